/** The connections API: the vaults a tenant's secrets live in. Credentials go in, never out. */
import * as z from 'zod';
import {
  connectionCheckResponse,
  connectionResponse,
  createConnectionBody,
  discoverResponse,
  updateConnectionBody,
} from '../../shared/connections/connection-schemas.ts';
import type { ConnectionView } from '../../shared/connections/connection-service.ts';
import { connectionId } from '../../shared/validation/names.ts';
import { etag } from '../http/request-headers.ts';
import { json, type Route, routesOf } from '../http/route.ts';
import type { FamilyDependencies } from '../services/tenant-context.ts';

const family = 'connections' as const;
/** What the connections family's handlers get (functions/handlers/connections.ts builds it). */
export type ConnectionsDependencies = FamilyDependencies<'connections'>;
const route = routesOf<ConnectionsDependencies>();
const idParams = z.strictObject({ id: connectionId });
const page = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(4096).optional(),
});
const one = { description: 'The connection (never its credentials)', schema: connectionResponse };

export function connectionView(connection: ConnectionView) {
  if ('builtIn' in connection) {
    return { ...connection, name: connection.id, hasCredentials: false, cacheTtlSeconds: 300, version: 1 };
  }
  return {
    id: connection.id,
    name: connection.id,
    kind: connection.kind,
    config: connection.config,
    hasCredentials: connection.credentialsRef !== undefined,
    cacheTtlSeconds: connection.cacheTtlSeconds,
    version: connection.version,
    builtIn: false,
    createdAt: connection.createdAt,
    updatedAt: connection.updatedAt,
  };
}

export const connectionRoutes: Route<unknown, unknown, unknown, ConnectionsDependencies>[] = [
  route({
    method: 'POST',
    path: '/v1/connections',
    scope: 'admin',
    family,
    operationId: 'createConnection',
    summary: 'Add a vault: AWS Secrets Manager, HashiCorp Vault, Azure Key Vault or local',
    auditAction: 'connection.create',
    body: createConnectionBody,
    responses: { 201: one },
    handler: async ({ body, ctx }, { connections }) => {
      const created = await connections.create(ctx, body);
      return json(201, connectionView(created), {
        etag: etag(created.version),
        location: `/v1/connections/${created.id}`,
      });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/connections',
    scope: 'admin',
    family,
    operationId: 'listConnections',
    summary: 'List connections, the built-in one first',
    auditAction: 'connection.list',
    query: page,
    responses: {
      200: { description: 'A page of connections', schema: z.object({ items: z.array(connectionResponse) }) },
    },
    handler: async ({ query, ctx }, { connections }) => {
      const found = await connections.list(ctx, query);
      return json(200, {
        items: found.items.map(connectionView),
        ...(found.cursor ? { cursor: found.cursor } : {}),
      });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/connections/{id}',
    scope: 'admin',
    family,
    operationId: 'getConnection',
    summary: 'Get a connection',
    auditAction: 'connection.describe',
    params: idParams,
    responses: { 200: one },
    handler: async ({ params, ctx }, { connections }) => {
      const found = connectionView(await connections.get(ctx, params.id));
      return json(200, found, { etag: etag(found.version) });
    },
  }),
  route({
    method: 'PUT',
    path: '/v1/connections/{id}',
    scope: 'admin',
    family,
    operationId: 'updateConnection',
    summary: 'Change a connection’s settings, credentials or cache TTL',
    auditAction: 'connection.update',
    params: idParams,
    body: updateConnectionBody,
    responses: { 200: one },
    handler: async ({ params, body, ctx, expectedVersion }, { connections }) => {
      const updated = await connections.update(ctx, params.id, body, expectedVersion);
      return json(200, connectionView(updated), { etag: etag(updated.version) });
    },
  }),
  route({
    method: 'DELETE',
    path: '/v1/connections/{id}',
    scope: 'admin',
    family,
    operationId: 'deleteConnection',
    summary: 'Remove a connection (refused while secrets use it, unless force=true)',
    auditAction: 'connection.delete',
    params: idParams,
    query: z.strictObject({
      force: z
        .enum(['true', 'false'])
        .transform((value) => value === 'true')
        .optional(),
    }),
    responses: { 204: { description: 'Removed' } },
    handler: async ({ params, query, ctx }, { connections }) => {
      await connections.remove(ctx, params.id, query.force ? { force: true } : {});
      return { statusCode: 204 };
    },
  }),
  route({
    method: 'POST',
    path: '/v1/connections/{id}/test',
    scope: 'admin',
    family,
    operationId: 'testConnection',
    summary: 'Reach the vault and authenticate; answers what worked and what did not',
    auditAction: 'connection.test',
    params: idParams,
    responses: { 200: { description: 'The outcome, step by step', schema: connectionCheckResponse } },
    handler: async ({ params, ctx }, { connections }) => json(200, await connections.test(ctx, params.id)),
  }),
  route({
    method: 'POST',
    path: '/v1/connections/test',
    scope: 'admin',
    family,
    operationId: 'testUnsavedConnection',
    summary: 'Test a connection described in the body (as for create) before saving it; nothing is stored',
    auditAction: 'connection.test-unsaved',
    body: createConnectionBody,
    responses: { 200: { description: 'The outcome, step by step', schema: connectionCheckResponse } },
    handler: async ({ body, ctx }, { connections }) => json(200, await connections.testUnsaved(ctx, body)),
  }),
  route({
    method: 'GET',
    path: '/v1/connections/{id}/discover',
    scope: 'admin',
    family,
    operationId: 'discoverSecrets',
    summary: 'List the vault’s existing secrets that could be imported',
    auditAction: 'connection.discover',
    params: idParams,
    query: page,
    responses: { 200: { description: 'A page of vault references', schema: discoverResponse } },
    handler: async ({ params, query, ctx }, { connections }) =>
      json(200, await connections.discover(ctx, params.id, query)),
  }),
];
