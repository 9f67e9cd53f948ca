/**
 * The rotation domain on live servers for one test file: a fresh table on DynamoDB Local, the local
 * vault in a temp folder (also the holding vault), the secrets service and the rotation service, on a
 * fake clock. Vaults and the database driver can be replaced per test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DueSource } from '../../functions/rotation/dispatcher.ts';
import type { TenantRotations } from '../../functions/rotation/worker.ts';
import type { RequestContext } from '../../shared/auth/principal.ts';
import { createLocalVault } from '../../shared/providers/local.ts';
import type { SecretProvider } from '../../shared/providers/provider.ts';
import type { ProviderResolver } from '../../shared/providers/provider-resolver.ts';
import { findDueRotations } from '../../shared/rotation/due-rotations.ts';
import { createPostgresDriver, type DatabaseDriver } from '../../shared/rotation/postgres.ts';
import { createRotationService, type RotationServiceDeps } from '../../shared/rotation/rotation-service.ts';
import { createSecretService } from '../../shared/secrets/secret-service.ts';
import { createAuditStore } from '../../shared/store/audit-store.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import { vaultNamespace } from '../../shared/tenancy/vault-namespace.ts';
import { createTestTable } from '../servers/dynamodb.ts';

export interface FakeClock {
  now(): Date;
  set(at: string | Date): void;
  advance(ms: number): void;
}

export function fakeClock(start = '2026-03-01T00:00:00.000Z'): FakeClock {
  let current = new Date(start);
  return {
    now: () => current,
    set: (at) => {
      current = new Date(at);
    },
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
  };
}

export function contextFor(tenant: string, actor = 'apikey:test'): RequestContext {
  return {
    principal: { tenant, actor, scopes: new Set(['read', 'reveal', 'write']), operator: false },
    requestId: `req-${Math.random().toString(16).slice(2)}`,
    sourceIp: '127.0.0.1',
  };
}

export interface RotationRig {
  clock: FakeClock;
  vault: SecretProvider;
  store: ReturnType<typeof createSecretStore>;
  audit: ReturnType<typeof createAuditStore>;
  secrets: ReturnType<typeof createSecretService>;
  rotation: ReturnType<typeof createRotationService>;
  /** A rotation service on the same store with other dependencies (a second worker, a fault). */
  rotationWith(overrides: Partial<RotationServiceDeps>): ReturnType<typeof createRotationService>;
  /** The dispatcher's listing, across the rig's tenants. */
  dueRotations: DueSource['dueRotations'];
  /** Every tenant's rotations (the rig's store is not confined to one tenant). */
  forTenant: TenantRotations['forTenant'];
  dispose(): Promise<void>;
}

export interface RigOptions {
  /** Vaults by connection id; `local` is the rig's local vault unless given. */
  connections?: Record<string, SecretProvider>;
  databases?: DatabaseDriver;
  afterStep?: RotationServiceDeps['afterStep'];
}

/** The PostgreSQL of the test set-up as a database driver (loopback allowed, as in local mode). */
export function testDatabases(): DatabaseDriver {
  return createPostgresDriver({ allowLoopback: true });
}

export async function rotationRig(options: RigOptions = {}): Promise<RotationRig> {
  const table = await createTestTable();
  const vaultDir = await mkdtemp(join(tmpdir(), 'secretm-rotation-'));
  const clock = fakeClock();
  const vault = createLocalVault({ dir: vaultDir, clock });
  const connections: Record<string, SecretProvider> = { local: vault, ...options.connections };
  const providers: ProviderResolver = async (_tenant, id) => {
    const provider = connections[id];
    if (!provider) throw new Error(`test rig: no connection ${id}`);
    return provider;
  };
  const deps = { client: table.documentClient, tableName: table.tableName };
  const holding = { vault, refFor: vaultNamespace('test').heldRef };
  const store = createSecretStore(deps);
  const audit = createAuditStore(deps);
  const secrets = createSecretService({
    store,
    audit,
    providers,
    clock,
    defaultConnection: 'local',
    holding,
  });
  const base: RotationServiceDeps = {
    store,
    audit,
    secrets,
    providers,
    holding,
    databases: options.databases ?? testDatabases(),
    clock,
    ...(options.afterStep ? { afterStep: options.afterStep } : {}),
  };
  const rotation = createRotationService(base);
  return {
    clock,
    vault,
    store,
    audit,
    secrets,
    rotation,
    rotationWith: (overrides) => createRotationService({ ...base, ...overrides }),
    dueRotations: (query) => findDueRotations(store, clock, query.limit),
    forTenant: async () => ({ rotation, usage: { flush: async () => undefined } }),
    dispose: () => rm(vaultDir, { recursive: true, force: true }),
  };
}
