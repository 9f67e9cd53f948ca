/** Records for the store tests: complete, valid, and easy to vary. */

import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { AuditEvent } from '../../shared/audit/audit-types.ts';
import type { SecretRecord, VersionRecord } from '../../shared/secrets/secret-types.ts';

export const t0 = '2025-03-01T10:00:00.000Z';

/**
 * A secret's metadata as the store keeps it, with where its current version's value is (as `versionRecord`
 * of it says) unless `fields` says otherwise.
 */
export function secretRecord(tenant: string, name: string, fields: Partial<SecretRecord> = {}): SecretRecord {
  const version = fields.version ?? 1;
  return {
    location: { version, vaultVersionId: `vault-${version}` },
    tenant,
    name,
    type: 'env',
    connection: 'local',
    vaultRef: `secretm/${tenant}/${name}`,
    version: 1,
    keys: ['USER', 'PASSWORD'],
    tags: {},
    size: 42,
    createdAt: t0,
    createdBy: 'apikey:test',
    updatedAt: t0,
    updatedBy: 'apikey:test',
    ...fields,
  };
}

export function versionRecord(record: SecretRecord, fields: Partial<VersionRecord> = {}): VersionRecord {
  return {
    tenant: record.tenant,
    name: record.name,
    version: record.version,
    vaultVersionId: `vault-${record.version}`,
    action: record.version === 1 ? 'create' : 'replace',
    keys: record.keys,
    size: record.size,
    createdAt: record.updatedAt,
    createdBy: record.updatedBy,
    ...fields,
  };
}

export function auditEvent(tenant: string, action: string, fields: Partial<AuditEvent> = {}): AuditEvent {
  return {
    tenant,
    actor: 'apikey:test',
    action,
    target: 'secret:test',
    outcome: 'success',
    requestId: randomUUID(),
    sourceIp: '127.0.0.1',
    at: t0,
    ...fields,
  };
}

/** A tenant id of its own for each test, so tests in one file never see each other's items. */
export function freshTenant(): string {
  return `tenant-${randomUUID()}`;
}

/** The error a promise rejects with, awaited at once so no rejection goes unhandled; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return expect.fail('expected the call to fail');
}
