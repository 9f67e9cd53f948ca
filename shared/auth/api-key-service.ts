/** Creating, listing and revoking API keys, and the operator key local mode bootstraps. */

import { randomBytes } from 'node:crypto';
import { auditEvent } from '../audit/audit-event.ts';
import type { Clock } from '../clock.ts';
import { ForbiddenError, ValidationError } from '../errors.ts';
import type { ApiKeyListing, ApiKeyRecord, ApiKeyStore, Page } from '../store/store-types.ts';
import { generateApiKey, hashSecret, operatorKeyId } from './api-key-format.ts';
import { scopes as allScopes, type RequestContext, type Scope } from './principal.ts';

export interface CreateApiKeyInput {
  name: string;
  scopes: Scope[];
  tenant?: string;
  expiresAt?: string;
}

export function createApiKeyService(deps: { store: ApiKeyStore; clock: Clock }) {
  return {
    /** Only the operator may name another tenant; a key never gets scopes its creator lacks. */
    async create(
      ctx: RequestContext,
      input: CreateApiKeyInput,
    ): Promise<{ record: ApiKeyRecord; key: string }> {
      const { principal } = ctx;
      const tenant = input.tenant ?? principal.tenant;
      if (tenant !== principal.tenant && !principal.operator) {
        throw new ForbiddenError('only the operator key may create keys for another tenant');
      }
      const missing = input.scopes.filter((scope) => !principal.scopes.has(scope));
      if (missing.length > 0)
        throw new ForbiddenError(`a key cannot get scopes its creator lacks: ${missing.join(', ')}`);
      const now = deps.clock.now();
      if (input.expiresAt && Date.parse(input.expiresAt) <= now.getTime()) {
        throw new ValidationError('expiresAt must be in the future');
      }
      const { id, key, hash } = generateApiKey();
      const record: ApiKeyRecord = {
        id,
        tenant,
        name: input.name,
        scopes: [...new Set(input.scopes)],
        hash,
        operator: false,
        createdAt: now.toISOString(),
        createdBy: principal.actor,
        ...(input.expiresAt ? { expiresAt: new Date(input.expiresAt).toISOString() } : {}),
      };
      await deps.store.put(record, auditEvent(ctx, 'api-key.create', `api-key:${id}`, now));
      return { record, key };
    },

    list(ctx: RequestContext, page: { limit: number; cursor?: string }): Promise<Page<ApiKeyListing>> {
      return deps.store.list(ctx.principal.tenant, page);
    },

    async revoke(ctx: RequestContext, id: string): Promise<void> {
      const now = deps.clock.now();
      await deps.store.revoke(
        ctx.principal.tenant,
        id,
        now.toISOString(),
        auditEvent(ctx, 'api-key.revoke', `api-key:${id}`, now),
      );
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;

/**
 * Makes sure the operator key exists (local mode). With `presetKey` that key becomes the operator
 * key; without, one is generated when none exists yet and returned so it can be printed once.
 */
export async function ensureOperatorKey(
  store: ApiKeyStore,
  options: { tenant: string; presetKey?: string; clock: Clock },
): Promise<{ key?: string }> {
  const existing = await store.get(operatorKeyId);
  const desiredHash = options.presetKey ? hashSecret(options.presetKey) : undefined;
  if (existing && !existing.revokedAt && (!desiredHash || existing.hash === desiredHash)) return {};
  if (options.presetKey !== undefined && options.presetKey.length < 20) {
    throw new ValidationError('SECRETM_BOOTSTRAP_API_KEY must be at least 20 characters');
  }
  const key = options.presetKey ?? `smo_${randomBytes(32).toString('base64url')}`;
  const now = options.clock.now();
  const record: ApiKeyRecord = {
    id: operatorKeyId,
    tenant: options.tenant,
    name: 'operator',
    scopes: [...allScopes],
    hash: hashSecret(key),
    operator: true,
    createdAt: now.toISOString(),
    createdBy: 'bootstrap',
  };
  const audit = {
    tenant: options.tenant,
    actor: 'bootstrap',
    action: 'api-key.bootstrap',
    target: `api-key:${operatorKeyId}`,
    outcome: 'success' as const,
    requestId: 'bootstrap',
    sourceIp: '127.0.0.1',
    at: now.toISOString(),
  };
  await store.put(record, audit, { replace: existing !== undefined });
  return options.presetKey ? {} : { key };
}
