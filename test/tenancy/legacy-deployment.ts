/**
 * A deployment written by secretm before tenant isolation (as of e03fdb2), for the layout migration's
 * tests. Everything is written the way that version wrote it:
 *
 * - secrets through the secret service and store (unchanged since), on the built-in vault itself,
 *   unconfined, naming refs `<legacy prefix><tenant>/<name>` (the old `refFor`: the local vault's
 *   `<tenant>/<name>`, Secrets Manager's `secretm/<tenant>/<name>`);
 * - connection credentials through the credential vault at `<tenant>/_connections.<id>`;
 * - held Vault credentials at `<tenant>/_held.<name>`, their version marked `held`, the lease on the record;
 * - API keys as the old api-key-store put them: the key item `K#<id>`/`K` with the hash, and a copy
 *   without it in the tenant's partition; the operator key as `K#operator` with its copy.
 *
 * The tenant `intruder` imported the owner's secret by its old name (the cross-tenant import the
 * isolation closes).
 */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { generateApiKey, hashSecret } from '../../shared/auth/api-key-format.ts';
import type { RequestContext } from '../../shared/auth/principal.ts';
import { scopes } from '../../shared/auth/principal.ts';
import type { ConnectionRecord } from '../../shared/connections/connection-types.ts';
import { createCredentialVault } from '../../shared/connections/credential-vault.ts';
import type { SecretPayload, SecretProvider } from '../../shared/providers/provider.ts';
import { createSecretService } from '../../shared/secrets/secret-service.ts';
import type { SecretRecord, VersionRecord } from '../../shared/secrets/secret-types.ts';
import { createAuditStore } from '../../shared/store/audit-store.ts';
import { createConnectionStore } from '../../shared/store/connection-store.ts';
import { apiKeyKey, apiKeyPointerKey, secretKey } from '../../shared/store/keys.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import type { FakeClock } from '../rotation/rotation-fixtures.ts';

export interface Tenants {
  owner: string;
  other: string;
  intruder: string;
  /** The operator key's tenant. */
  operator: string;
}

export interface LegacyOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The built-in vault itself (unconfined); its `refFor` must name the old layout. */
  vault: SecretProvider;
  builtIn: 'local' | 'aws';
  legacyPrefix: string;
  clock: FakeClock;
  tenants: Tenants;
}

/** What was written, to check every value after the move. */
export interface LegacyDeployment {
  /** tenant → name → the value of each version (index 0 = version 1). */
  values: Record<string, Record<string, SecretPayload[]>>;
  /** Old-layout vault refs that must be gone after the move. */
  legacyRefs: string[];
  /** The cross-tenant import's ref, owned by `owner`. */
  importedRef: string;
  connection: { tenant: string; id: string; credentials: Record<string, string>; legacyRef: string };
  held: { tenant: string; name: string; value: Record<string, string>; legacyRef: string };
  apiKey: { tenant: string; id: string; key: string };
  revokedKey: { tenant: string; id: string; key: string };
  operatorKey: string;
}

export function contextFor(tenant: string): RequestContext {
  return {
    principal: { tenant, actor: 'apikey:seed', scopes: new Set(scopes), operator: false },
    requestId: `req-${Math.random().toString(16).slice(2)}`,
    sourceIp: '127.0.0.1',
  };
}

const env = (data: Record<string, string>): SecretPayload => ({ kind: 'map', data });

/** A stored connection of kind `local` (local mode only), on the same local vault as `local`. */
export const storedLocal = 'scratch';

/** The secret service as the old version ran it: on the built-in vault itself, naming old-layout refs. */
export function legacySecretService(options: Omit<LegacyOptions, 'tenants' | 'legacyPrefix'>) {
  const { client, tableName, vault, builtIn, clock } = options;
  const storeDeps = { client, tableName };
  const store = createSecretStore(storeDeps);
  return {
    store,
    secrets: createSecretService({
      store,
      audit: createAuditStore(storeDeps),
      // The built-in connection, and (local mode) a stored `local` connection: the same local vault.
      providers: async (_tenant, id) => {
        if (id !== builtIn && !(builtIn === 'local' && id === storedLocal)) {
          throw new Error(`legacy seed: no connection ${id}`);
        }
        return vault;
      },
      clock,
      defaultConnection: builtIn,
    }),
  };
}

export async function seedLegacyDeployment(options: LegacyOptions): Promise<LegacyDeployment> {
  const { client, tableName, vault, builtIn, legacyPrefix, clock, tenants } = options;
  const { owner, other, intruder } = tenants;
  const storeDeps = { client, tableName };
  const { store, secrets } = legacySecretService(options);
  const legacy = (tenant: string, leaf: string) => `${legacyPrefix}${tenant}/${leaf}`;
  const values: LegacyDeployment['values'] = { [owner]: {}, [other]: {}, [intruder]: {} };
  const as = contextFor;

  // The owner's secret with history: create, patch, replace.
  await secrets.create(as(owner), { name: 'db', type: 'env', data: { USER: 'app', PASSWORD: 'one' } });
  clock.advance(60_000);
  await secrets.patch(as(owner), 'db', { set: { PASSWORD: 'two' } });
  clock.advance(60_000);
  await secrets.replace(as(owner), 'db', {
    type: 'env',
    data: { USER: 'app', PASSWORD: 'three', PORT: '5432' },
  });
  values[owner]!.db = [
    env({ USER: 'app', PASSWORD: 'one' }),
    env({ USER: 'app', PASSWORD: 'two' }),
    env({ USER: 'app', PASSWORD: 'three', PORT: '5432' }),
  ];
  // A binary file, with a description and tags.
  const bytes = new Uint8Array([0, 1, 2, 250, 251, 252, 10, 13]);
  await secrets.create(as(owner), {
    name: 'tls-key',
    type: 'file',
    file: { content: Buffer.from(bytes).toString('base64'), encoding: 'base64', filename: 'tls.key' },
    description: 'the TLS key',
    tags: { team: 'edge' },
  });
  values[owner]!['tls-key'] = [{ kind: 'binary', bytes }];
  // Deleted, still in its recovery window.
  await secrets.create(as(owner), { name: 'retired', type: 'env', data: { OLD: 'yes' } });
  await secrets.remove(as(owner), 'retired', { recoveryWindowDays: 7 });
  values[owner]!.retired = [env({ OLD: 'yes' })];
  // A rotation stopped half-way (its pending value waits beside the secret on a vault without staging).
  await secrets.create(as(owner), { name: 'rotating', type: 'env', data: { PASSWORD: 'before' } });
  await client.send(
    new UpdateCommand({
      TableName: tableName,
      Key: secretKey(owner, 'rotating'),
      UpdateExpression: 'SET #state = :state',
      ExpressionAttributeNames: { '#state': 'rotationState' },
      ExpressionAttributeValues: {
        ':state': {
          consecutiveFailures: 0,
          pending: {
            id: 'rotation-1',
            step: 'setSecret',
            baseVersion: 1,
            vaultVersionId: 'pending-1',
            startedAt: clock.now().toISOString(),
          },
        },
      },
    }),
  );
  values[owner]!.rotating = [env({ PASSWORD: 'before' })];
  if (builtIn === 'local') {
    // A secret on a stored `local` connection: the same vault, the same old names.
    const at = clock.now().toISOString();
    await createConnectionStore(storeDeps).create(
      {
        tenant: owner,
        id: storedLocal,
        kind: 'local',
        config: {},
        cacheTtlSeconds: 300,
        version: 1,
        createdAt: at,
        createdBy: 'apikey:seed',
        updatedAt: at,
        updatedBy: 'apikey:seed',
      },
      {
        tenant: owner,
        actor: 'apikey:seed',
        action: 'connection.create',
        target: `connection:${storedLocal}`,
        outcome: 'success',
        requestId: 'seed-local',
        sourceIp: '127.0.0.1',
        at,
      },
    );
    await secrets.create(as(owner), {
      name: 'notes',
      type: 'env',
      connection: storedLocal,
      data: { NOTE: 'kept' },
    });
    values[owner]!.notes = [env({ NOTE: 'kept' })];
  }
  // Another tenant's secret.
  await secrets.create(as(other), { name: 'api', type: 'env', data: { TOKEN: 'other-token' } });
  values[other]!.api = [env({ TOKEN: 'other-token' })];
  // The intruder imports the owner's secret by its old name: possible before isolation.
  const importedRef = legacy(owner, 'db');
  await secrets.import(as(intruder), { connection: builtIn, ref: importedRef, name: 'stolen', type: 'env' });

  // A connection of `other` with credentials in the built-in vault.
  const credentials = createCredentialVault(vault, {
    connectionCredentialsRef: (tenant, id) => legacy(tenant, `_connections.${id}`),
  });
  const connectionCredentials = { token: 'bao-root-token' };
  const credentialsRef = await credentials.put(other, 'bao', connectionCredentials);
  const now = clock.now().toISOString();
  const connection: ConnectionRecord = {
    tenant: other,
    id: 'bao',
    kind: 'hashicorp-vault',
    config: {
      url: 'https://bao.example.com:8200',
      engine: { type: 'database', mount: 'database', role: 'app' },
    },
    credentialsRef,
    cacheTtlSeconds: 300,
    version: 1,
    createdAt: now,
    createdBy: 'apikey:seed',
    updatedAt: now,
    updatedBy: 'apikey:seed',
  };
  await createConnectionStore(storeDeps).create(connection, {
    tenant: other,
    actor: 'apikey:seed',
    action: 'connection.create',
    target: 'connection:bao',
    outcome: 'success',
    requestId: 'seed',
    sourceIp: '127.0.0.1',
    at: now,
  });

  // Vault dynamic credentials held for `other`'s imported secret (rotation vault-dynamic, lease live).
  const heldValue = { username: 'v-app-1', password: 'held-secret' };
  const heldRef = legacy(other, '_held.dyn');
  const importedAt = clock.now().toISOString();
  const dynamic: SecretRecord = {
    tenant: other,
    name: 'dyn',
    type: 'env',
    connection: 'bao',
    vaultRef: 'database/creds/app',
    imported: true,
    version: 1,
    keys: ['password', 'username'],
    tags: {},
    size: 40,
    createdAt: importedAt,
    createdBy: 'apikey:seed',
    updatedAt: importedAt,
    updatedBy: 'apikey:seed',
  };
  const versionOf = (record: SecretRecord, vaultVersionId: string, extra: Partial<VersionRecord> = {}) => ({
    tenant: record.tenant,
    name: record.name,
    version: record.version,
    vaultVersionId,
    action: 'import' as const,
    keys: record.keys,
    size: record.size,
    createdAt: record.updatedAt,
    createdBy: record.updatedBy,
    ...extra,
  });
  const event = (action: string) => ({
    tenant: other,
    actor: 'apikey:seed',
    action,
    target: 'secret:dyn',
    outcome: 'success' as const,
    requestId: `seed-${action}`,
    sourceIp: '127.0.0.1',
    at: clock.now().toISOString(),
  });
  await store.create(dynamic, versionOf(dynamic, 'lease/1'), event('secret.import'), {
    vaultKind: 'hashicorp-vault',
  });
  clock.advance(1_000);
  const written = await vault.create(heldRef, env(heldValue), {
    description: 'Vault credentials secretm holds for dyn',
  });
  const lockId = 'seed-lock';
  await store.lock(
    other,
    'dyn',
    { id: lockId, expiresAt: clock.now().getTime() + 30_000 },
    { now: clock.now().getTime() },
  );
  const rotatedAt = clock.now();
  const held: SecretRecord = {
    ...dynamic,
    version: 2,
    updatedAt: rotatedAt.toISOString(),
    rotation: { schedule: 'rate(1 hour)', strategy: 'vault-dynamic', options: { renewAtFraction: 2 / 3 } },
    nextRotationAt: new Date(rotatedAt.getTime() + 40 * 60_000).toISOString(),
    rotationState: {
      consecutiveFailures: 0,
      lastRotatedAt: rotatedAt.toISOString(),
      lease: {
        id: 'database/creds/app/lease-2',
        issuedAt: rotatedAt.toISOString(),
        expiresAt: new Date(rotatedAt.getTime() + 24 * 3_600_000).toISOString(),
        ttlSeconds: 86_400,
      },
    },
  };
  await store.commitVersion(
    held,
    { ...versionOf(held, written.versionId, { held: true }), action: 'rotate' },
    lockId,
    event('secret.rotate'),
    held.tags,
  );

  // API keys, as the old api-key-store put them.
  const putOldKey = async (tenant: string, extra: Record<string, unknown> = {}) => {
    const { id, key, hash } = generateApiKey();
    const record = {
      id,
      tenant,
      name: `key of ${tenant}`,
      scopes: ['read', 'reveal'],
      hash,
      createdAt: clock.now().toISOString(),
      createdBy: 'operator',
      ...extra,
    };
    const { hash: _hash, ...listing } = record;
    await client.send(new PutCommand({ TableName: tableName, Item: { ...record, ...apiKeyPointerKey(id) } }));
    await client.send(
      new PutCommand({ TableName: tableName, Item: { ...listing, ...apiKeyKey(tenant, id) } }),
    );
    return { tenant, id, key };
  };
  const apiKey = await putOldKey(other);
  const revokedKey = await putOldKey(other, { revokedAt: clock.now().toISOString() });
  // The old operator key, with its listing copy in the operator's tenant.
  const operatorKey = `old-operator-key-${Math.random().toString(16).slice(2)}`;
  const operatorRecord = {
    id: 'operator',
    tenant: tenants.operator,
    name: 'operator',
    scopes: [...scopes],
    hash: hashSecret(operatorKey),
    operator: true,
    createdAt: clock.now().toISOString(),
    createdBy: 'bootstrap',
  };
  const { hash: _operatorHash, ...operatorListing } = operatorRecord;
  await client.send(
    new PutCommand({ TableName: tableName, Item: { ...operatorRecord, ...apiKeyPointerKey('operator') } }),
  );
  await client.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...operatorListing, ...apiKeyKey(tenants.operator, 'operator') },
    }),
  );

  return {
    values,
    legacyRefs: [
      ...(builtIn === 'local' ? [legacy(owner, 'notes')] : []),
      legacy(owner, 'db'),
      legacy(owner, 'tls-key'),
      legacy(owner, 'retired'),
      legacy(other, 'api'),
      credentialsRef,
      heldRef,
    ],
    importedRef,
    connection: { tenant: other, id: 'bao', credentials: connectionCredentials, legacyRef: credentialsRef },
    held: { tenant: other, name: 'dyn', value: heldValue, legacyRef: heldRef },
    apiKey,
    revokedKey,
    operatorKey,
  };
}
