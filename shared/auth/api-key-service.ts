/** Creating, listing and revoking a tenant's API keys. The operator key is apart (operator-key.ts). */
import { auditEvent } from '../audit/audit-event.ts';
import type { Clock } from '../clock.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { ApiKeyListing, ApiKeyRecord, ApiKeyStore, Page } from '../store/store-types.ts';
import { generateApiKey, operatorKeyId } from './api-key-format.ts';
import type { RequestContext, Scope } from './principal.ts';

export interface CreateApiKeyInput {
  name: string;
  scopes: Scope[];
  tenant?: string;
  expiresAt?: string;
}

export function createApiKeyService(deps: { store: ApiKeyStore; clock: Clock; tenant: string }) {
  return {
    /**
     * Creates a key in this service's tenant. Only the operator may create keys for a tenant other
     * than its own; a key never gets scopes its creator lacks.
     */
    async create(
      ctx: RequestContext,
      input: CreateApiKeyInput,
    ): Promise<{ record: ApiKeyRecord; key: string }> {
      const { principal } = ctx;
      if (deps.tenant !== principal.tenant && !principal.operator) {
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
        tenant: deps.tenant,
        name: input.name,
        scopes: [...new Set(input.scopes)],
        hash,
        createdAt: now.toISOString(),
        createdBy: principal.actor,
        ...(input.expiresAt ? { expiresAt: new Date(input.expiresAt).toISOString() } : {}),
      };
      // The event goes to the tenant the key is for: that tenant's audit shows who made its keys.
      await deps.store.put(record, {
        ...auditEvent(ctx, 'api-key.create', `api-key:${id}`, now),
        tenant: deps.tenant,
      });
      return { record, key };
    },

    list(ctx: RequestContext, page: { limit: number; cursor?: string }): Promise<Page<ApiKeyListing>> {
      return deps.store.list(ctx.principal.tenant, page);
    },

    /** The operator key is no tenant's key: only its own rotation replaces it. */
    async revoke(ctx: RequestContext, id: string): Promise<void> {
      if (id === operatorKeyId) {
        if (!ctx.principal.operator) throw new NotFoundError(`API key '${id}' not found`);
        throw new ForbiddenError(
          'the operator key cannot be revoked, which would lock every tenant out; rotate it with POST /v1/api-keys/operator/rotate',
        );
      }
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
