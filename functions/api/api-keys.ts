/** The API keys API: create (the key is shown once), list, revoke; the operator key's rotation. */
import * as z from 'zod';
import { accessActions, accessRuleSchema, accessRulesSchema } from '../../shared/access/rules.ts';
import { scopes } from '../../shared/auth/principal.ts';
import type { ApiKeyListing } from '../../shared/store/store-types.ts';
import { connectionId, secretName, tenantId } from '../../shared/validation/names.ts';
import { json, type Route, routesOf } from '../http/route.ts';
import type { FamilyDependencies } from '../services/tenant-context.ts';

const family = 'api-keys' as const;
/** What the api-keys family's handlers get (functions/handlers/api-keys.ts builds it). */
export type ApiKeysDependencies = FamilyDependencies<'apiKeys'>;
const route = routesOf<ApiKeysDependencies>();

const createApiKeyBody = z.strictObject({
  name: z.string().min(1).max(128),
  scopes: z.array(z.enum(scopes)).min(1),
  rules: accessRulesSchema
    .optional()
    .describe('Access rules below the scopes (docs/access.md); a key with rules makes keys within them only'),
  tenant: tenantId.optional().describe('Only the operator key may name another tenant'),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

const apiKeyResponse = z.object({
  id: z.string(),
  name: z.string(),
  tenant: z.string(),
  scopes: z.array(z.enum(scopes)),
  rules: z.array(accessRuleSchema).optional(),
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
});

/** One action on a secret, allowed or not, and what decided (shared/access/effective.ts). */
const effectiveAction = z.object({
  action: z.enum(accessActions),
  allowed: z.boolean(),
  decidedBy: z.enum(['scopes', 'scope', 'rule', 'no-rule']),
  rule: z.number().int().optional(),
  effect: z.enum(['allow', 'deny']).optional(),
});

const keyParams = z.strictObject({ id: z.string().regex(/^[a-z0-9]{1,64}$/, 'not an API key id') });

const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2048).optional(),
});

function apiKeyView(record: ApiKeyListing) {
  return {
    id: record.id,
    name: record.name,
    tenant: record.tenant,
    scopes: record.scopes,
    ...(record.rules ? { rules: record.rules } : {}),
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
    ...(record.revokedAt ? { revokedAt: record.revokedAt } : {}),
  };
}

export const apiKeyRoutes: Route<unknown, unknown, unknown, ApiKeysDependencies>[] = [
  route({
    method: 'POST',
    path: '/v1/api-keys',
    scope: 'admin',
    family,
    operationId: 'createApiKey',
    summary: 'Create an API key; the key is in this answer only',
    auditAction: 'api-key.create',
    body: createApiKeyBody,
    responses: {
      201: {
        description: 'The new key, shown this once',
        schema: apiKeyResponse.extend({ key: z.string() }),
      },
    },
    handler: async ({ body, ctx }, deps) => {
      // The key is made in its tenant's partition, on that tenant's access (the operator only).
      const target = body.tenant && body.tenant !== deps.tenant ? await deps.forTenant(body.tenant) : deps;
      const { record, key } = await target.apiKeys.create(ctx, body);
      return json(201, { ...apiKeyView(record), key }, { 'cache-control': 'no-store' });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/api-keys',
    scope: 'admin',
    family,
    operationId: 'listApiKeys',
    summary: 'List the tenant’s API keys (never the keys themselves)',
    auditAction: 'api-key.list',
    query: pageQuery,
    responses: {
      200: {
        description: 'A page of keys',
        schema: z.object({ items: z.array(apiKeyResponse), cursor: z.string().optional() }),
      },
    },
    handler: async ({ query, ctx }, { apiKeys }) => {
      const page = await apiKeys.list(ctx, query);
      return json(200, {
        items: page.items.map(apiKeyView),
        ...(page.cursor ? { cursor: page.cursor } : {}),
      });
    },
  }),
  route({
    method: 'POST',
    path: '/v1/api-keys/operator/rotate',
    scope: 'admin',
    family,
    operationId: 'rotateOperatorKey',
    summary: 'Replace the operator key (the operator only); the new key is in this answer only',
    auditAction: 'api-key.rotate',
    responses: {
      200: {
        description: 'The new operator key, shown this once; the old one no longer works',
        schema: z.object({ id: z.literal('operator'), key: z.string() }),
      },
      403: { description: 'Not the operator key' },
    },
    handler: async ({ ctx }, deps) => {
      const { key } = await deps.rotateOperatorKey(ctx);
      return json(200, { id: 'operator', key }, { 'cache-control': 'no-store' });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/api-keys/{id}/effective',
    scope: 'admin',
    family,
    operationId: 'effectiveAccess',
    summary: 'What a key may do to a secret, action by action, and which of its rules decided',
    auditAction: 'api-key.effective',
    params: keyParams,
    query: z.strictObject({
      secret: secretName,
      connection: connectionId
        .optional()
        .describe("Default: the secret's own connection, or the default one"),
    }),
    responses: {
      200: {
        description: 'Each action, allowed or not, with what decided',
        schema: z.object({
          id: z.string(),
          secret: z.string(),
          connection: z.string(),
          actions: z.array(effectiveAction),
        }),
      },
    },
    handler: async ({ params, query, ctx }, { apiKeys }) =>
      json(200, await apiKeys.effective(ctx, params.id, query.secret, query.connection)),
  }),
  route({
    method: 'GET',
    path: '/v1/me',
    scope: 'any',
    family,
    operationId: 'whoAmI',
    summary:
      'The caller itself (any signed-in key or token, no scope needed): tenant, scopes, rules; with ?secret=, what it may do to that secret',
    auditAction: 'me.read',
    query: z.strictObject({
      secret: secretName
        .optional()
        .describe('A secret to judge; one the caller may not read is judged as an absent one'),
    }),
    responses: {
      200: {
        description: 'Who is calling and what it may do; nothing about other keys or tenants',
        schema: z.object({
          principal: z.string().describe('apikey:<id>, jwt:<sub>, or operator'),
          tenant: z.string(),
          scopes: z.array(z.enum(scopes)),
          operator: z.boolean(),
          tenantAdmin: z
            .boolean()
            .describe(
              'May administer what spans the tenant (API keys, costs, the audit): admin, and rules over every secret',
            ),
          rules: z.array(accessRuleSchema).optional(),
          keyName: z.string().optional(),
          expiresAt: z.string().optional(),
          effective: z
            .object({
              secret: z.string(),
              read: z.boolean(),
              reveal: z.boolean(),
              write: z.boolean(),
              rotate: z.boolean(),
              delete: z.boolean(),
              admin: z.boolean(),
              actions: z.array(effectiveAction),
            })
            .optional(),
        }),
      },
    },
    handler: async ({ query, ctx }, { apiKeys }) =>
      json(200, await apiKeys.me(ctx, query.secret), { 'cache-control': 'no-store' }),
  }),
  route({
    method: 'DELETE',
    path: '/v1/api-keys/{id}',
    scope: 'admin',
    family,
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key (refused at once here, by every instance within 10 s)',
    auditAction: 'api-key.revoke',
    params: keyParams,
    responses: { 204: { description: 'Revoked' } },
    handler: async ({ params, ctx }, { apiKeys }) => {
      await apiKeys.revoke(ctx, params.id);
      return { statusCode: 204 };
    },
  }),
];
