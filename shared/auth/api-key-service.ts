/** Creating, listing and revoking a tenant's API keys. The operator key is apart (operator-key.ts). */
import { requireTenantWide } from '../access/authorize.ts';
import { type EffectiveAction, effectiveActions } from '../access/effective.ts';
import { type AccessRule, compileRules, isSubset } from '../access/rules.ts';
import { auditEvent } from '../audit/audit-event.ts';
import type { Clock } from '../clock.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import type { ApiKeyListing, ApiKeyRecord, ApiKeyStore, Page } from '../store/store-types.ts';
import { generateApiKey, operatorKeyId } from './api-key-format.ts';
import type { RequestContext, Scope } from './principal.ts';
import { type WhoAmI, whoAmI } from './who-am-i.ts';

export interface CreateApiKeyInput {
  name: string;
  scopes: Scope[];
  /** Access rules below the scopes (shared/access/rules.ts). */
  rules?: AccessRule[];
  tenant?: string;
  expiresAt?: string;
}

export interface EffectiveAccess {
  id: string;
  secret: string;
  connection: string;
  /** Per action: whether the key may do it to the secret, and what decided. */
  actions: EffectiveAction[];
}

export interface ApiKeyServiceDeps {
  store: ApiKeyStore;
  clock: Clock;
  tenant: string;
  /** The connection a secret of the tenant lives on, when it exists. */
  connectionOf?: (name: string) => Promise<string | undefined>;
  /** Where a secret goes when none is named. */
  defaultConnection?: string;
  /** Told of each key revoked, once the revocation is stored (the instance's key cache forgets it). */
  onRevoked?: (id: string) => void;
}

export function createApiKeyService(deps: ApiKeyServiceDeps) {
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
      requireTenantWide(principal, 'admin');
      const missing = input.scopes.filter((scope) => !principal.scopes.has(scope));
      if (missing.length > 0)
        throw new ForbiddenError(`a key cannot get scopes its creator lacks: ${missing.join(', ')}`);
      // A key with access rules makes keys within them only.
      const subset = isSubset(input.rules, principal.rules?.list);
      if (!subset.ok) throw new ForbiddenError(`a key cannot get rules its creator lacks: ${subset.reason}`);
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
        ...(input.rules ? { rules: input.rules } : {}),
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
      requireTenantWide(ctx.principal, 'admin');
      return deps.store.list(ctx.principal.tenant, page);
    },

    /** What a key may do to a secret, action by action, and which of its rules decided. */
    async effective(
      ctx: RequestContext,
      id: string,
      secret: string,
      connection?: string,
    ): Promise<EffectiveAccess> {
      requireTenantWide(ctx.principal, 'admin');
      const key = id === operatorKeyId ? undefined : await deps.store.get(deps.tenant, id);
      if (!key) throw new NotFoundError(`API key '${id}' not found`);
      const on = connection ?? (await deps.connectionOf?.(secret)) ?? deps.defaultConnection ?? 'default';
      const rules = key.rules ? compileRules(key.rules) : undefined;
      return {
        id,
        secret,
        connection: on,
        actions: effectiveActions(new Set(key.scopes), rules, { secret, connection: on }),
      };
    },

    /** The caller itself: who it is and, for one secret, what it may do there (who-am-i.ts). */
    me(ctx: RequestContext, secret?: string): Promise<WhoAmI> {
      return whoAmI(
        ctx,
        {
          ownKey: (id) => deps.store.get(deps.tenant, id),
          ...(deps.connectionOf ? { connectionOf: deps.connectionOf } : {}),
          ...(deps.defaultConnection ? { defaultConnection: deps.defaultConnection } : {}),
        },
        secret,
      );
    },

    /** The operator key is no tenant's key: only its own rotation replaces it. */
    async revoke(ctx: RequestContext, id: string): Promise<void> {
      if (id === operatorKeyId) {
        if (!ctx.principal.operator) throw new NotFoundError(`API key '${id}' not found`);
        throw new ForbiddenError(
          'the operator key cannot be revoked, which would lock every tenant out; rotate it with POST /v1/api-keys/operator/rotate',
        );
      }
      requireTenantWide(ctx.principal, 'admin');
      const now = deps.clock.now();
      await deps.store.revoke(
        ctx.principal.tenant,
        id,
        now.toISOString(),
        auditEvent(ctx, 'api-key.revoke', `api-key:${id}`, now),
      );
      deps.onRevoked?.(id);
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
