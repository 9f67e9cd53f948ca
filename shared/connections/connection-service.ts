/** Connections: add, list, change, test, discover and remove the vaults a tenant's secrets live in. */
import { can, requireConnection } from '../access/authorize.ts';
import { auditEvent } from '../audit/audit-event.ts';
import type { RequestContext } from '../auth/principal.ts';
import type { Clock } from '../clock.ts';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PreconditionFailedError,
  SecretmError,
  ValidationError,
} from '../errors.ts';
import type { ConnectionCheck, DiscoveredSecret, SecretProvider, VaultKind } from '../providers/provider.ts';
import type { ProviderResolver } from '../providers/provider-resolver.ts';
import type { ConnectionStore } from '../store/connection-store.ts';
import type { Page } from '../store/store-types.ts';
import { parseInput } from '../validation/parse.ts';
import { type CreateConnectionBody, kindSchemas, type UpdateConnectionBody } from './connection-schemas.ts';
import type { ConnectionConfig, ConnectionCredentials, ConnectionRecord } from './connection-types.ts';
import { isBuiltIn } from './connection-types.ts';
import type { CredentialVault } from './credential-vault.ts';
import type { NetworkPolicy } from './network-policy.ts';

/** A built-in connection as the API shows it. */
export interface BuiltInConnection {
  id: string;
  kind: ConnectionConfig['kind'];
  config: Record<string, unknown>;
}

export interface ConnectionServiceDeps {
  store: ConnectionStore;
  credentials: CredentialVault;
  resolver: ProviderResolver;
  network: NetworkPolicy;
  builtIns: readonly BuiltInConnection[];
  clock: Clock;
  /** Records read-side actions (test, discover); fails closed. */
  audit: (event: import('../audit/audit-types.ts').AuditEvent) => Promise<void>;
  /** `local` connections exist only in local mode. */
  localMode: boolean;
  /** The vault kinds this deployment allows connections of (`vaults.allowed`); all when absent. */
  allowedKinds?: readonly VaultKind[];
  /** Builds the adapter of a connection that is not saved (the "Test before Save" check). */
  unsaved: UnsavedProviderBuilder;
}

/** Builds a vault adapter from settings and credentials held only for the request. */
export type UnsavedProviderBuilder = (
  record: ConnectionRecord,
  credentials: ConnectionCredentials | undefined,
) => Promise<SecretProvider>;

export type ConnectionView = ConnectionRecord | (BuiltInConnection & { builtIn: true });

export function createConnectionService(deps: ConnectionServiceDeps) {
  const { store, clock } = deps;
  const target = (id: string) => `connection:${id}`;

  /** Validates a kind's settings and credentials, and checks every user-supplied URL now. */
  function checkSettings(
    kind: ConnectionConfig['kind'],
    config: unknown,
    credentials: unknown,
    creating: boolean,
  ) {
    const schemas = kindSchemas[kind];
    const parsedConfig = parseInput(schemas.config, config, 'body.config') as Record<string, unknown>;
    const parsedCredentials =
      credentials === undefined
        ? undefined
        : (parseInput(schemas.credentials, credentials, 'body.credentials') as ConnectionCredentials);
    if (creating && schemas.credentialsRequired && !parsedCredentials) {
      throw new ValidationError(`a ${kind} connection needs credentials`, {
        details: [{ path: 'body.credentials', message: 'required' }],
      });
    }
    if (kind === 'local' && !deps.localMode)
      throw new ValidationError('local connections exist only in local mode');
    if (deps.allowedKinds && !deps.allowedKinds.includes(kind)) {
      throw new ForbiddenError(
        `this deployment allows connections of these kinds only: ${deps.allowedKinds.join(', ')}`,
      );
    }
    for (const field of ['url', 'vaultUrl', 'endpoint'] as const) {
      const value = parsedConfig[field];
      if (typeof value === 'string') deps.network.forUrl(value, `config.${field}`);
    }
    return { config: parsedConfig, credentials: parsedCredentials };
  }

  /** A stored connection the caller may administer; one outside its access rules answers as absent. */
  async function record(ctx: RequestContext, id: string): Promise<ConnectionRecord> {
    const found = await store.get(ctx.principal.tenant, id);
    if (!found) throw new NotFoundError(`connection ${id} not found`);
    requireConnection(ctx.principal, id);
    return found;
  }

  async function view(ctx: RequestContext, id: string): Promise<ConnectionView> {
    const builtIn = deps.builtIns.find((connection) => connection.id === id);
    if (builtIn) requireConnection(ctx.principal, id);
    if (builtIn) return { ...builtIn, builtIn: true };
    return record(ctx, id);
  }

  return {
    async create(ctx: RequestContext, body: CreateConnectionBody): Promise<ConnectionRecord> {
      const tenant = ctx.principal.tenant;
      if (!can(ctx.principal, 'admin', { connection: body.name })) {
        throw new ForbiddenError(`this key's rules do not allow admin on connection ${body.name}`);
      }
      if (isBuiltIn(body.name))
        throw new ConflictError(`${body.name} is a built-in connection; choose another name`);
      const { config, credentials } = checkSettings(body.kind, body.config, body.credentials, true);
      if (await store.get(tenant, body.name))
        throw new ConflictError(`a connection named ${body.name} already exists`);
      const credentialsRef = credentials
        ? await deps.credentials.put(tenant, body.name, credentials)
        : undefined;
      const now = clock.now().toISOString();
      const created = {
        tenant,
        id: body.name,
        kind: body.kind,
        config,
        ...(credentialsRef ? { credentialsRef } : {}),
        cacheTtlSeconds: body.cacheTtlSeconds,
        version: 1,
        createdAt: now,
        createdBy: ctx.principal.actor,
        updatedAt: now,
        updatedBy: ctx.principal.actor,
      } as ConnectionRecord;
      await store.create(created, auditEvent(ctx, 'connection.create', target(body.name), clock.now()));
      return created;
    },

    async list(ctx: RequestContext, page: { limit: number; cursor?: string }): Promise<Page<ConnectionView>> {
      const stored = await store.list(ctx.principal.tenant, page);
      const builtIns = page.cursor
        ? []
        : deps.builtIns.map((connection) => ({ ...connection, builtIn: true as const }));
      // A connection outside the caller's access rules is left out, as if it were not there.
      const visible = (connection: { id: string }) =>
        can(ctx.principal, 'admin', { connection: connection.id });
      return { ...stored, items: [...builtIns, ...stored.items].filter(visible) };
    },

    get: view,

    async update(ctx: RequestContext, id: string, body: UpdateConnectionBody, expectedVersion?: number) {
      if (isBuiltIn(id)) throw new ConflictError(`${id} is a built-in connection and cannot change`);
      const current = await record(ctx, id);
      if (expectedVersion !== undefined && expectedVersion !== current.version) {
        throw new PreconditionFailedError(
          `connection ${id} is at version ${current.version}, not ${expectedVersion}`,
        );
      }
      const { config, credentials } = checkSettings(
        current.kind,
        body.config ?? current.config,
        body.credentials,
        false,
      );
      const credentialsRef = credentials
        ? await deps.credentials.put(current.tenant, id, credentials)
        : current.credentialsRef;
      const next = {
        ...current,
        config,
        ...(credentialsRef ? { credentialsRef } : {}),
        cacheTtlSeconds: body.cacheTtlSeconds ?? current.cacheTtlSeconds,
        version: current.version + 1,
        updatedAt: clock.now().toISOString(),
        updatedBy: ctx.principal.actor,
      } as ConnectionRecord;
      await store.update(
        next,
        current.version,
        auditEvent(ctx, 'connection.update', target(id), clock.now()),
      );
      return next;
    },

    async remove(ctx: RequestContext, id: string, options: { force?: boolean } = {}): Promise<void> {
      if (isBuiltIn(id)) throw new ConflictError(`${id} is a built-in connection and cannot be removed`);
      const current = await record(ctx, id);
      if (!options.force && (await store.inUse(current.tenant, id))) {
        throw new ConflictError(
          `secrets still use connection ${id}; move or delete them first, or pass force=true`,
        );
      }
      await store.remove(current.tenant, id, auditEvent(ctx, 'connection.delete', target(id), clock.now()));
      if (current.credentialsRef) await deps.credentials.remove(current.credentialsRef);
    },

    /** Reaches the vault and authenticates; a failure is an answer, not an error. */
    async test(ctx: RequestContext, id: string): Promise<ConnectionCheck> {
      await view(ctx, id);
      const result = await checked(() => deps.resolver(ctx.principal.tenant, id));
      await deps.audit(
        auditEvent(
          ctx,
          'connection.test',
          target(id),
          clock.now(),
          result.ok ? undefined : { reason: 'check_failed' },
        ),
      );
      return result;
    },

    /**
     * Tests a connection described in the request, before it is saved: the same validation and
     * address checks as create, the same steps as a saved connection's test, and nothing stored.
     */
    async testUnsaved(ctx: RequestContext, body: CreateConnectionBody): Promise<ConnectionCheck> {
      if (!can(ctx.principal, 'admin', { connection: body.name })) {
        throw new ForbiddenError(`this key's rules do not allow admin on connection ${body.name}`);
      }
      const { config, credentials } = checkSettings(body.kind, body.config, body.credentials, true);
      const now = clock.now().toISOString();
      const described = {
        tenant: ctx.principal.tenant,
        id: body.name,
        kind: body.kind,
        config,
        cacheTtlSeconds: body.cacheTtlSeconds,
        version: 0,
        createdAt: now,
        createdBy: ctx.principal.actor,
        updatedAt: now,
        updatedBy: ctx.principal.actor,
      } as ConnectionRecord;
      const result = await checked(() => deps.unsaved(described, credentials));
      await deps.audit(
        auditEvent(
          ctx,
          'connection.test-unsaved',
          target(body.name),
          clock.now(),
          result.ok ? undefined : { reason: 'check_failed' },
        ),
      );
      return result;
    },

    async discover(
      ctx: RequestContext,
      id: string,
      page: { limit: number; cursor?: string },
    ): Promise<{ items: DiscoveredSecret[]; cursor?: string }> {
      await view(ctx, id);
      const provider = await deps.resolver(ctx.principal.tenant, id);
      const found = await provider.discover({
        limit: page.limit,
        ...(page.cursor ? { cursor: page.cursor } : {}),
      });
      await deps.audit(auditEvent(ctx, 'connection.discover', target(id), clock.now()));
      return found;
    },
  };
}

/** Builds the adapter and runs its checks; a failure to build is the one failed step. */
async function checked(build: () => Promise<SecretProvider>): Promise<ConnectionCheck> {
  try {
    const provider = await build();
    return await provider.test();
  } catch (error) {
    const message =
      error instanceof SecretmError
        ? error.message
        : 'the connection could not be set up; check its settings';
    return { ok: false, steps: [{ step: 'configure', ok: false, message }] };
  }
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
