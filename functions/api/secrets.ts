/** The secrets API: thin handlers, one domain call each. */
import * as z from 'zod';
import { ValidationError } from '../../shared/errors.ts';
import {
  cloneSecretBody,
  createSecretBody,
  deleteSecretQuery,
  deleteSecretResponse,
  importSecretBody,
  listSecretsQuery,
  nameParams,
  pageQuery,
  patchSecretBody,
  readValueQuery,
  replaceSecretBody,
  rollbackSecretBody,
  secretListResponse,
  secretMetadataResponse,
  secretValueResponse,
  versionListResponse,
} from '../../shared/secrets/secret-schemas.ts';
import { etag } from '../http/request-headers.ts';
import { json, type Route, routesOf } from '../http/route.ts';
import type { FamilyDependencies } from '../services/tenant-context.ts';
import { rotationRoutes } from './rotation.ts';
import { metadataView, valueResponse, versionView } from './secret-views.ts';

const metadata = { description: 'The secret’s metadata (never its value)', schema: secretMetadataResponse };
const family = 'secrets' as const;
/** What the secrets family's handlers get (functions/handlers/secrets.ts builds it). */
export type SecretsDependencies = FamilyDependencies<'secrets' | 'rotation'>;
const route = routesOf<SecretsDependencies>();
const withEtag = (version: number) => ({ etag: etag(version) });

export const secretRoutes: Route<unknown, unknown, unknown, SecretsDependencies>[] = [
  route({
    method: 'POST',
    path: '/v1/secrets',
    scope: 'write',
    family,
    operationId: 'createSecret',
    summary: 'Create a secret (env from data or a pasted .env, or a file)',
    auditAction: 'secret.create',
    idempotent: true,
    body: createSecretBody,
    responses: { 201: metadata },
    handler: async ({ body, ctx, idempotencyKey }, { secrets }) => {
      const created = await secrets.create(ctx, body, idempotencyKey ? { idempotencyKey } : {});
      return json(201, metadataView(created), {
        ...withEtag(created.version),
        location: `/v1/secrets/${created.name}`,
      });
    },
  }),
  route({
    method: 'POST',
    path: '/v1/secrets/import',
    scope: 'write',
    family,
    operationId: 'importSecret',
    summary: 'Adopt a secret that already exists in a connected vault (metadata only; the value stays)',
    auditAction: 'secret.import',
    idempotent: true,
    body: importSecretBody,
    responses: { 201: metadata },
    handler: async ({ body, ctx }, { secrets }) => {
      const imported = await secrets.import(ctx, body);
      return json(201, metadataView(imported), {
        ...withEtag(imported.version),
        location: `/v1/secrets/${imported.name}`,
      });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/secrets',
    scope: 'read',
    family,
    operationId: 'listSecrets',
    summary: 'List secrets by name, filtered, a page at a time',
    auditAction: 'secret.list',
    query: listSecretsQuery,
    responses: { 200: { description: 'A page of secrets', schema: secretListResponse } },
    handler: async ({ query, ctx }, { secrets }) => {
      const { tag, ...rest } = query;
      const page = await secrets.list(ctx, { ...rest, ...(tag ? { tag: parseTagFilter(tag) } : {}) });
      return json(200, {
        items: page.items.map(metadataView),
        ...(page.cursor ? { cursor: page.cursor } : {}),
      });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/secrets/{name}',
    scope: 'read',
    family,
    operationId: 'getSecret',
    summary: 'Get a secret’s metadata',
    auditAction: 'secret.describe',
    params: nameParams,
    responses: { 200: metadata },
    handler: async ({ params, ctx }, { secrets }) => {
      const record = await secrets.get(ctx, params.name);
      return json(200, metadataView(record), withEtag(record.version));
    },
  }),
  route({
    method: 'GET',
    path: '/v1/secrets/{name}/value',
    scope: 'reveal',
    family,
    operationId: 'getSecretValue',
    summary: 'Read a secret’s value (JSON, dotenv text, or the raw file)',
    auditAction: 'secret.reveal',
    params: nameParams,
    query: readValueQuery,
    responses: {
      200: { description: 'The value', schema: secretValueResponse },
    },
    handler: async ({ params, query, ctx }, { secrets }) => {
      const revealed = await secrets.getValue(
        ctx,
        params.name,
        query.version ? { version: query.version } : {},
      );
      return valueResponse(revealed, query.format);
    },
  }),
  route({
    method: 'PUT',
    path: '/v1/secrets/{name}',
    scope: 'write',
    family,
    operationId: 'replaceSecret',
    summary: 'Replace a secret’s value (a new version)',
    auditAction: 'secret.replace',
    idempotent: true,
    params: nameParams,
    body: replaceSecretBody,
    responses: { 200: metadata },
    handler: async ({ params, body, ctx, expectedVersion, idempotencyKey }, { secrets }) => {
      const record = await secrets.replace(
        ctx,
        params.name,
        body,
        writeOptions(expectedVersion, idempotencyKey),
      );
      return json(200, metadataView(record), withEtag(record.version));
    },
  }),
  route({
    method: 'PATCH',
    path: '/v1/secrets/{name}',
    scope: 'write',
    family,
    operationId: 'patchSecret',
    summary: 'Set or unset keys (a new version); change description or tags',
    auditAction: 'secret.patch',
    idempotent: true,
    params: nameParams,
    body: patchSecretBody,
    responses: { 200: metadata },
    handler: async ({ params, body, ctx, expectedVersion, idempotencyKey }, { secrets }) => {
      const record = await secrets.patch(
        ctx,
        params.name,
        body,
        writeOptions(expectedVersion, idempotencyKey),
      );
      return json(200, metadataView(record), withEtag(record.version));
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1/secrets/{name}',
    scope: 'write',
    family,
    operationId: 'deleteSecret',
    summary: 'Delete a secret after a recovery window (7–30 days, default 30), or at once with force=true',
    auditAction: 'secret.delete',
    params: nameParams,
    query: deleteSecretQuery,
    responses: { 200: { description: 'When the secret will be gone', schema: deleteSecretResponse } },
    handler: async ({ params, query, ctx, expectedVersion }, { secrets }) => {
      const result = await secrets.remove(ctx, params.name, {
        ...query,
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      });
      return json(200, result);
    },
  }),
  route({
    method: 'POST',
    path: '/v1/secrets/{name}/restore',
    scope: 'write',
    family,
    operationId: 'restoreSecret',
    summary: 'Cancel a scheduled deletion',
    auditAction: 'secret.restore',
    params: nameParams,
    responses: { 200: metadata },
    handler: async ({ params, ctx }, { secrets }) => {
      const record = await secrets.restore(ctx, params.name);
      return json(200, metadataView(record), withEtag(record.version));
    },
  }),
  route({
    method: 'POST',
    path: '/v1/secrets/{name}/clone',
    scope: 'write',
    family,
    operationId: 'cloneSecret',
    summary: 'Copy a secret’s current value to a new secret, on the same or another connection',
    auditAction: 'secret.clone',
    idempotent: true,
    params: nameParams,
    body: cloneSecretBody,
    responses: { 201: metadata },
    handler: async ({ params, body, ctx, idempotencyKey }, { secrets }) => {
      const created = await secrets.clone(ctx, params.name, body, idempotencyKey ? { idempotencyKey } : {});
      return json(201, metadataView(created), {
        ...withEtag(created.version),
        location: `/v1/secrets/${created.name}`,
      });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/secrets/{name}/versions',
    scope: 'read',
    family,
    operationId: 'listSecretVersions',
    summary: 'List a secret’s versions, newest first',
    auditAction: 'secret.versions',
    params: nameParams,
    query: pageQuery,
    responses: { 200: { description: 'A page of versions', schema: versionListResponse } },
    handler: async ({ params, query, ctx }, { secrets }) => {
      const { record, page } = await secrets.listVersions(ctx, params.name, query);
      return json(200, {
        items: page.items.map((version) => versionView(version, record.version)),
        ...(page.cursor ? { cursor: page.cursor } : {}),
      });
    },
  }),
  route({
    method: 'POST',
    path: '/v1/secrets/{name}/rollback',
    scope: 'write',
    family,
    operationId: 'rollbackSecret',
    summary: 'Write an earlier version’s value again, as a new version',
    auditAction: 'secret.rollback',
    idempotent: true,
    params: nameParams,
    body: rollbackSecretBody,
    responses: { 200: metadata },
    handler: async ({ params, body, ctx, expectedVersion, idempotencyKey }, { secrets }) => {
      const record = await secrets.rollback(
        ctx,
        params.name,
        body.version,
        writeOptions(expectedVersion, idempotencyKey),
      );
      return json(200, metadataView(record), withEtag(record.version));
    },
  }),
  ...rotationRoutes,
];

function writeOptions(expectedVersion: number | undefined, idempotencyKey: string | undefined) {
  return {
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
    ...(idempotencyKey ? { idempotencyKey } : {}),
  };
}

/** `?tag=team` or `?tag=team=payments`. */
function parseTagFilter(raw: string): { key: string; value?: string } {
  const at = raw.indexOf('=');
  const key = at < 0 ? raw : raw.slice(0, at);
  if (!z.string().min(1).max(128).safeParse(key).success) throw new ValidationError('tag filter needs a key');
  return at < 0 ? { key } : { key, value: raw.slice(at + 1) };
}
