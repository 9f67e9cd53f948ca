/**
 * The layout migration on an old-layout deployment, once per built-in vault (the local vault in a
 * temp folder; Secrets Manager on moto), with DynamoDB Local: after it, every secret and every version
 * reads the same through the new version's own services, connection and held credentials too, the
 * old entries are gone, old API keys authenticate, the cross-tenant import is left unreachable, a
 * pending rotation is skipped, secret-hours are unchanged, and a second run changes nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dependencies } from '../../functions/dependencies.ts';
import { createCredentialVault } from '../../shared/connections/credential-vault.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { SecretPayload } from '../../shared/providers/provider.ts';
import { toPayload } from '../../shared/secrets/secret-value.ts';
import { connectionKey, pkName, secretKey, skName } from '../../shared/store/keys.ts';
import { confinedProvider } from '../../shared/tenancy/confined-provider.ts';
import { type LayoutMigrationSummary, migrateToTenantLayout } from '../../shared/tenancy/layout-migration.ts';
import { contextFor } from './legacy-deployment.ts';
import { type Flavour, type MigrationRig, migrationRig } from './migration-rig.ts';

/** A payload as plain data, bytes as base64, so payloads of any kind compare with toEqual. */
function plain(payload: SecretPayload) {
  switch (payload.kind) {
    case 'map':
      return { map: payload.data };
    case 'text':
      return { text: payload.text };
    case 'binary':
      return { base64: Buffer.from(payload.bytes).toString('base64') };
  }
}

async function revealed(app: Dependencies, tenant: string, name: string, version?: number) {
  const { secrets } = await app.forTenant(tenant);
  const read = await secrets.getValue(contextFor(tenant), name, version === undefined ? {} : { version });
  return plain(toPayload(read.value));
}

async function refused(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'answered';
  } catch (error) {
    return (error as Error).constructor.name;
  }
}

/** Every item of the table, in key order: what a run changed, or did not. */
async function tableItems(rig: MigrationRig) {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await rig.table.documentClient.send(
      new ScanCommand({ TableName: rig.table.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const keyOf = (item: Record<string, unknown>) => `${item[pkName]}\n${item[skName]}`;
  return items.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
}

async function inVault(rig: MigrationRig, ref: string): Promise<boolean> {
  try {
    await rig.vault.get(ref);
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/** Secret-hours of the month by secret name, summed over the secret's vault refs. */
async function hoursByName(app: Dependencies, tenant: string) {
  const report = (await (await app.forTenant(tenant)).costs.report(tenant, '2026-03')) as {
    secrets: { name: string | null; secretHours: number }[];
  };
  const hours: Record<string, number> = {};
  // A line of calls only (a reveal of a secret deleted all month) has no hours to keep.
  for (const line of report.secrets) {
    if (line.name !== null && line.secretHours > 0)
      hours[line.name] = (hours[line.name] ?? 0) + line.secretHours;
  }
  return hours;
}

describe.each<[string, Flavour]>([
  ['the local vault', 'local'],
  ['AWS Secrets Manager', 'aws'],
])('migrating an old-layout deployment on %s', (_title, flavour) => {
  let rig: MigrationRig;
  let app: Dependencies;
  let summary: LayoutMigrationSummary;
  const before: Record<string, unknown> = {};
  const costsAt = '2026-03-10T15:10:00.000Z';
  const migrateAt = '2026-03-10T13:50:00.000Z';

  beforeAll(async () => {
    rig = await migrationRig(flavour);
    const { owner, other } = rig.tenants;
    app = rig.app();
    // What the new version answers before the migration: old data unreachable, old keys refused.
    before.db = await refused(revealed(app, owner, 'db'));
    before.api = await refused(revealed(app, other, 'api'));
    before.apiKey = await refused(app.authenticate({ authorization: `Bearer ${rig.seeded.apiKey.key}` }));
    before.operator = await refused(app.authenticate({ authorization: `Bearer ${rig.seeded.operatorKey}` }));
    rig.clock.set(costsAt);
    before.ownerHours = await hoursByName(app, owner);
    before.otherHours = await hoursByName(app, other);

    rig.clock.set(migrateAt);
    summary = await migrateToTenantLayout(rig.migrationDeps());
    rig.clock.set(costsAt);
    app = rig.app();
  }, 120_000);
  afterAll(async () => {
    await rig?.dispose();
  });

  it('finds the old data unreachable and the old keys refused before it runs', () => {
    expect(before).toMatchObject({
      db: 'NotFoundError',
      api: 'NotFoundError',
      apiKey: 'UnauthorizedError',
      operator: 'UnauthorizedError',
    });
  });

  it('answers what it moved, what it skipped and what it left unreachable, by name only', () => {
    const { owner, intruder } = rig.tenants;
    expect(summary.done).toBe(true);
    expect(summary.moved).toEqual({
      // The local vault's flavour has a secret on a stored `local` connection too.
      secrets: flavour === 'local' ? 5 : 4,
      credentials: 1,
      held: 1,
      keys: 2,
      operatorKey: flavour === 'local' ? 1 : 0,
    });
    expect(summary.skipped).toEqual([
      {
        kind: 'secret',
        tenant: owner,
        name: 'rotating',
        reason: expect.stringContaining('finish the rotation first'),
      },
    ]);
    expect(summary.unreachable).toEqual([
      {
        kind: 'secret',
        tenant: intruder,
        name: 'stolen',
        reason: expect.stringContaining(`tenant ${owner}'s "db"`),
      },
    ]);
    expect(JSON.stringify(summary)).not.toMatch(/three|other-token|bao-root-token|held-secret/);
  });

  it('records each move in its tenant’s audit, by secretm:migration', async () => {
    const { owner, other } = rig.tenants;
    const migrations = async (tenant: string) =>
      (await (await app.forTenant(tenant)).audit.list(tenant, { limit: 100 })).items
        .filter((event) => event.actor === 'secretm:migration')
        .map((event) => `${event.action} ${event.target}`)
        .sort();

    expect(await migrations(owner)).toEqual(
      ['db', 'retired', 'tls-key', ...(flavour === 'local' ? ['notes'] : [])]
        .map((name) => `secret.migrate secret:${name}`)
        .sort(),
    );
    expect(await migrations(other)).toEqual(
      [
        `api-key.migrate api-key:${rig.seeded.apiKey.id}`,
        `api-key.migrate api-key:${rig.seeded.revokedKey.id}`,
        'connection.migrate connection:bao',
        'secret.migrate secret:api',
        'secret.migrate secret:dyn',
      ].sort(),
    );
  });

  it('reads every version of every moved secret as it was, through the new version’s services', async () => {
    const { values } = rig.seeded;
    for (const [tenant, secrets] of Object.entries(values)) {
      for (const [name, versions] of Object.entries(secrets)) {
        if (name === 'rotating' || name === 'retired') continue;
        for (const [i, value] of versions.entries()) {
          expect(await revealed(app, tenant, name, i + 1), `${tenant}/${name} v${i + 1}`).toEqual(
            plain(value),
          );
        }
        expect(await revealed(app, tenant, name)).toEqual(plain(versions.at(-1)!));
      }
    }
  });

  it('keeps a deleted secret deleted, and restorable with its value', async () => {
    const { owner } = rig.tenants;
    const tenant = await app.forTenant(owner);
    expect(await refused(revealed(app, owner, 'retired'))).toBe('ConflictError');

    await tenant.secrets.restore(contextFor(owner), 'retired');

    expect(await revealed(app, owner, 'retired')).toEqual(plain(rig.seeded.values[owner]!.retired![0]!));
  });

  it('moves connection credentials and held Vault credentials into the tenant’s system namespace', async () => {
    const { connection, held } = rig.seeded;
    const { Item } = await rig.table.documentClient.send(
      new GetCommand({
        TableName: rig.table.tableName,
        Key: connectionKey(connection.tenant, connection.id),
      }),
    );
    expect(Item).toMatchObject({
      credentialsRef: rig.namespace.connectionCredentialsRef(connection.tenant, connection.id),
      version: 2,
    });
    // As the new version's credential vault reads them: confined to the tenant's system prefix.
    const system = confinedProvider(rig.vault, {
      namespace: rig.namespace,
      tenant: connection.tenant,
      prefix: rig.namespace.tenantSystemPrefix(connection.tenant),
    });
    expect(await createCredentialVault(system, rig.namespace).get(String(Item!.credentialsRef))).toEqual(
      connection.credentials,
    );
    expect(await revealed(app, held.tenant, held.name)).toEqual({ map: held.value });
  });

  it('deletes every old-layout entry it moved', async () => {
    for (const ref of rig.seeded.legacyRefs) expect(await inVault(rig, ref), ref).toBe(false);
    if (rig.vaultDir) {
      // Purged, not soft-deleted: the vault folder holds no file of an old ref.
      for (const ref of rig.seeded.legacyRefs) {
        const file = join(rig.vaultDir, 'secrets', `${createHash('sha256').update(ref).digest('hex')}.json`);
        expect(existsSync(file), ref).toBe(false);
      }
    }
  });

  it('lets an old API key authenticate, keeps a revoked one refused, and handles the old operator key', async () => {
    const { apiKey, revokedKey, operatorKey } = rig.seeded;
    expect(await app.authenticate({ authorization: `Bearer ${apiKey.key}` })).toMatchObject({
      tenant: apiKey.tenant,
      actor: `apikey:${apiKey.id}`,
    });
    expect(await refused(app.authenticate({ authorization: `Bearer ${revokedKey.key}` }))).toBe(
      'UnauthorizedError',
    );
    // Local mode keeps the key it printed; AWS installs the new one the stack generated instead.
    expect(await refused(app.authenticate({ authorization: `Bearer ${operatorKey}` }))).toBe(
      flavour === 'local' ? 'answered' : 'UnauthorizedError',
    );
    const items = await tableItems(rig);
    const keyItems = items.filter((item) => String(item[pkName]).startsWith('K#'));
    expect(keyItems.map((item) => Object.keys(item).sort())).toEqual(
      keyItems.map(() => ['pk', 'sk', 'tenant'].sort()),
    );
    expect(items.filter((item) => item[skName] === 'K#operator')).toEqual([]);
  });

  it('leaves the cross-tenant import on the old name, which is gone, so it reads as absent', async () => {
    const { intruder } = rig.tenants;
    const { Item } = await rig.table.documentClient.send(
      new GetCommand({
        TableName: rig.table.tableName,
        Key: secretKey(intruder, 'stolen'),
      }),
    );
    expect(Item?.vaultRef).toBe(rig.seeded.importedRef);
    expect(await refused(revealed(app, intruder, 'stolen'))).toBe('NotFoundError');
  });

  it('skips the secret with a pending rotation, leaving it whole on its old name', async () => {
    const { owner } = rig.tenants;
    expect(await inVault(rig, `${rig.legacyPrefix}${owner}/rotating`)).toBe(true);
    expect(await inVault(rig, `${rig.namespace.tenantPrefix(owner)}rotating`)).toBe(false);
  });

  it('keeps every secret’s secret-hours of the month', async () => {
    expect(await hoursByName(app, rig.tenants.owner)).toEqual(before.ownerHours);
    expect(await hoursByName(app, rig.tenants.other)).toEqual(before.otherHours);
    expect(Object.values(before.ownerHours as Record<string, number>).every((hours) => hours > 0)).toBe(true);
  });

  it('changes nothing when run again', async () => {
    const items = await tableItems(rig);

    const again = await migrateToTenantLayout(rig.migrationDeps());

    expect(again).toEqual({
      done: true,
      moved: { secrets: 0, credentials: 0, held: 0, keys: 0, operatorKey: 0 },
      skipped: summary.skipped,
      unreachable: summary.unreachable,
    });
    expect(await tableItems(rig)).toEqual(items);
  });
});
