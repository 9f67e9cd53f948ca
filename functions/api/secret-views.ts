/** What the API shows of secrets: metadata and history (never values), and revealed values. */
import { ValidationError } from '../../shared/errors.ts';
import { formatDotenv } from '../../shared/secrets/dotenv.ts';
import type { RevealedValue } from '../../shared/secrets/secret-service.ts';
import type { SecretRecord, VersionRecord } from '../../shared/secrets/secret-types.ts';
import type { ApiResponse } from '../http/route.ts';

export function metadataView(record: SecretRecord) {
  return {
    name: record.name,
    type: record.type,
    connection: record.connection,
    vaultRef: record.vaultRef,
    ...(record.imported ? { imported: true } : {}),
    version: record.version,
    keys: record.keys,
    ...(record.file ? { file: record.file } : {}),
    ...(record.description !== undefined ? { description: record.description } : {}),
    tags: record.tags,
    size: record.size,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    updatedAt: record.updatedAt,
    updatedBy: record.updatedBy,
    ...(record.deletedAt ? { deletedAt: record.deletedAt, deletionDate: record.deletionDate } : {}),
    ...(record.rotation || record.rotationState ? { rotation: rotationView(record) } : {}),
  };
}

/** Rotation settings and how rotations went: names, times and error codes only. */
export function rotationView(record: SecretRecord) {
  const state = record.rotationState;
  const settings = record.rotation;
  return {
    enabled: settings !== undefined,
    ...(settings
      ? { schedule: settings.schedule, strategy: settings.strategy, options: settings.options }
      : {}),
    ...(record.nextRotationAt ? { nextRotationAt: record.nextRotationAt } : {}),
    ...(state?.lastRotatedAt ? { lastRotatedAt: state.lastRotatedAt } : {}),
    ...(state?.lastAttemptAt ? { lastAttemptAt: state.lastAttemptAt } : {}),
    ...(state?.lastError ? { lastError: state.lastError } : {}),
    consecutiveFailures: state?.consecutiveFailures ?? 0,
    ...(state?.pending ? { pending: { step: state.pending.step, startedAt: state.pending.startedAt } } : {}),
    ...(state?.lease ? { leaseExpiresAt: state.lease.expiresAt } : {}),
  };
}

export function versionView(version: VersionRecord, currentVersion: number) {
  return {
    version: version.version,
    action: version.action,
    ...(version.sourceVersion !== undefined ? { sourceVersion: version.sourceVersion } : {}),
    keys: version.keys,
    size: version.size,
    createdAt: version.createdAt,
    createdBy: version.createdBy,
    current: version.version === currentVersion,
  };
}

/** `json` (default), `dotenv` (env secrets, text/plain) or `raw` (file secrets, their bytes). */
export function valueResponse(revealed: RevealedValue, format: 'json' | 'dotenv' | 'raw'): ApiResponse {
  const { record, version, value } = revealed;
  const headers = { etag: `"${version}"`, 'cache-control': 'no-store' };
  if (format === 'dotenv') {
    if (value.type !== 'env')
      throw new ValidationError('format=dotenv applies to env secrets; use format=raw for files');
    return { statusCode: 200, headers, text: formatDotenv(value.data) };
  }
  if (format === 'raw') {
    if (value.type !== 'file')
      throw new ValidationError('format=raw applies to file secrets; use format=dotenv for env');
    const bytes =
      value.file.encoding === 'base64'
        ? Buffer.from(value.file.content, 'base64')
        : Buffer.from(value.file.content, 'utf8');
    return {
      statusCode: 200,
      headers: { ...headers, 'content-disposition': `attachment; filename="${value.file.filename}"` },
      bytes,
    };
  }
  const body =
    value.type === 'env'
      ? { name: record.name, version, data: value.data }
      : { name: record.name, version, file: value.file };
  return { statusCode: 200, headers, json: body };
}
