/**
 * The layout migration stopped part-way and run again, on live servers (DynamoDB Local; the local
 * vault, and moto for a history longer than one transaction holds). The faults are injected by
 * wrapping the table client or the vault (a server cannot be made to fail between two steps on cue);
 * everything else is the real thing. Every case ends with every value where it belongs, the old
 * entries gone, and a further run that changes nothing.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError, ProviderUnavailableError } from '../../shared/errors.ts';
import type { SecretProvider } from '../../shared/providers/provider.ts';
import { toPayload } from '../../shared/secrets/secret-value.ts';
import { migrationLeaseKey, migrationPk, secretKey, versionKey } from '../../shared/store/keys.ts';
import { type LayoutMigrationSummary, migrateToTenantLayout } from '../../shared/tenancy/layout-migration.ts';
import { contextFor } from './legacy-deployment.ts';
import { type MigrationRig, migrationRig } from './migration-rig.ts';

const rigs: MigrationRig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((rig) => rig.dispose()));
});
async function rigFor(flavour: 'local' | 'aws') {
  const rig = await migrationRig(flavour);
  rigs.push(rig);
  rig.clock.set('2026-03-10T13:50:00.000Z');
  return rig;
}

/** The table client, failing once the first transaction `matches` picks. */
function failingOnce(client: DynamoDBDocumentClient, matches: (items: unknown[]) => boolean) {
  let failed = false;
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown, ...rest: unknown[]) => {
        if (
          !failed &&
          command instanceof TransactWriteCommand &&
          matches(command.input.TransactItems ?? [])
        ) {
          failed = true;
          throw new ProviderUnavailableError('injected: the table stopped answering');
        }
        return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      };
    },
  });
}

/** A transaction that writes the audit event `action` on `target`. */
const writesEvent = (action: string, target: string) => (items: unknown[]) =>
  JSON.stringify(items).includes(`"action":"${action}"`) &&
  JSON.stringify(items).includes(`"target":"${target}"`);

/** The vault, failing the first purge of `ref`. */
function purgeFailingOnce(vault: SecretProvider, ref: string): SecretProvider {
  let failed = false;
  return {
    ...vault,
    async delete(target, mode) {
      if (!failed && target === ref && mode.mode === 'purge') {
        failed = true;
        throw new ProviderUnavailableError('injected: the vault stopped answering');
      }
      return vault.delete(target, mode);
    },
  };
}

async function revealed(rig: MigrationRig, tenant: string, name: string, version?: number) {
  const { secrets } = await rig.app().forTenant(tenant);
  const read = await secrets.getValue(contextFor(tenant), name, version === undefined ? {} : { version });
  return toPayload(read.value);
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

async function item(rig: MigrationRig, key: Record<string, string>) {
  const { Item } = await rig.table.documentClient.send(
    new GetCommand({ TableName: rig.table.tableName, Key: key, ConsistentRead: true }),
  );
  return Item;
}

async function migrationItems(rig: MigrationRig) {
  const page = await rig.table.documentClient.send(
    new ScanCommand({
      TableName: rig.table.tableName,
      FilterExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': migrationPk },
    }),
  );
  return page.Items ?? [];
}

const nothingMoved = { secrets: 0, credentials: 0, held: 0, keys: 0, operatorKey: 0 };

describe('a layout migration that stopped part-way', () => {
  it('resumes moves cut between copy and switch, and between switch and delete, on the next run', async () => {
    const rig = await rigFor('local');
    const { owner } = rig.tenants;
    const { connection, held } = rig.seeded;
    const legacyTls = `${owner}/tls-key`;
    // Prepare: the secret db and the connection's credentials fail at their switch; tls-key and the
    // held credentials fail at the delete after theirs.
    const client = failingOnce(
      failingOnce(rig.table.documentClient, writesEvent('secret.migrate', 'secret:db')),
      writesEvent('connection.migrate', `connection:${connection.id}`),
    );
    const vault = purgeFailingOnce(purgeFailingOnce(rig.vault, legacyTls), held.legacyRef);

    // Act: the interrupted run.
    const first = await migrateToTenantLayout(rig.migrationDeps({ client, vault }));

    // Assess: what it did, and the state each fault left.
    expect(first.moved).toMatchObject({ secrets: 4, credentials: 0, held: 1 });
    expect(first.skipped.map(({ kind, name }) => `${kind}:${name}`).sort()).toEqual(
      ['credentials:bao', 'held:dyn', 'secret:db', 'secret:rotating', 'secret:tls-key'].sort(),
    );
    expect(first.skipped.find((skipped) => skipped.name === 'db')?.reason).toMatch(/injected.*run again$/);
    const db = await item(rig, secretKey(owner, 'db'));
    expect(db).toMatchObject({ vaultRef: `${owner}/db` });
    expect(db?.lockId).toBeUndefined();
    expect(await inVault(rig, `${rig.namespace.tenantPrefix(owner)}db`)).toBe(true); // the unfinished copy
    expect(await item(rig, secretKey(owner, 'tls-key'))).toMatchObject({
      vaultRef: `${rig.namespace.tenantPrefix(owner)}tls-key`,
    });
    expect(await inVault(rig, legacyTls)).toBe(true);
    expect((await migrationItems(rig)).map((entry) => entry.legacyRef).sort()).toEqual(
      [legacyTls, held.legacyRef].sort(),
    );

    // Act: the next run.
    const second = await migrateToTenantLayout(rig.migrationDeps());

    // Assess: the rest moved, the leftovers deleted, every value where it belongs.
    expect(second.moved).toEqual({ ...nothingMoved, secrets: 1, credentials: 1 });
    expect(second.skipped.map(({ name }) => name)).toEqual(['rotating']);
    for (const [i, value] of rig.seeded.values[owner]!.db!.entries()) {
      expect(await revealed(rig, owner, 'db', i + 1)).toEqual(value);
    }
    expect(await revealed(rig, owner, 'tls-key')).toEqual(rig.seeded.values[owner]!['tls-key']![0]);
    expect(await revealed(rig, held.tenant, held.name)).toEqual({ kind: 'map', data: held.value });
    for (const ref of rig.seeded.legacyRefs) expect(await inVault(rig, ref), ref).toBe(false);
    expect(await migrationItems(rig)).toEqual([]);

    const third = await migrateToTenantLayout(rig.migrationDeps());
    expect(third.moved).toEqual(nothingMoved);
  });

  it('resumes a long history whose older versions were switched before the run stopped', async () => {
    // Secrets Manager: each copy has version ids of its own, so every version record is switched.
    const rig = await rigFor('aws');
    const { owner } = rig.tenants;
    const versions = 110;
    await rig.legacySecrets.create(contextFor(owner), { name: 'long', type: 'env', data: { N: '1' } });
    for (let n = 2; n <= versions; n++) {
      await rig.legacySecrets.replace(contextFor(owner), 'long', { type: 'env', data: { N: String(n) } });
    }
    const client = failingOnce(rig.table.documentClient, writesEvent('secret.migrate', 'secret:long'));

    const first = await migrateToTenantLayout(rig.migrationDeps({ client }));

    expect(first.skipped.map(({ name }) => name).sort()).toEqual(['long', 'rotating']);
    // The oldest versions were switched in a transaction of their own, keeping their old ids.
    const oldest = await item(rig, versionKey(owner, 'long', 1));
    expect(oldest?.legacyVaultVersionId).toEqual(expect.any(String));
    expect(oldest?.vaultVersionId).not.toBe(oldest?.legacyVaultVersionId);
    expect((await item(rig, secretKey(owner, 'long')))?.vaultRef).toBe(`secretm/${owner}/long`);

    const second = await migrateToTenantLayout(rig.migrationDeps());

    expect(second.moved.secrets).toBe(1);
    for (const n of [1, 2, 17, 18, 19, 100, versions]) {
      expect(await revealed(rig, owner, 'long', n), `version ${n}`).toEqual({
        kind: 'map',
        data: { N: String(n) },
      });
    }
    expect(await revealed(rig, owner, 'long')).toEqual({ kind: 'map', data: { N: String(versions) } });
    expect(await inVault(rig, `secretm/${owner}/long`)).toBe(false);
  }, 120_000);

  it('stops when its time is up, says it is not done, and the next run finishes', async () => {
    const rig = await rigFor('local');
    let calls = 0;

    const first = await migrateToTenantLayout(rig.migrationDeps({ timeLeft: () => (++calls <= 5 ? 1 : 0) }));
    const second = await migrateToTenantLayout(rig.migrationDeps({ timeLeft: () => 60_000 }));

    expect(first.done).toBe(false);
    expect(second.done).toBe(true);
    const total = (key: keyof LayoutMigrationSummary['moved']) => first.moved[key] + second.moved[key];
    expect(Object.keys(first.moved).map((key) => total(key as never))).toEqual([5, 1, 1, 2, 1]);
    expect(first.moved.secrets).toBe(0);
    for (const ref of rig.seeded.legacyRefs) expect(await inVault(rig, ref), ref).toBe(false);
  });

  it('runs one at a time: a live lease of another run makes it answer busy, an expired one is taken over', async () => {
    const rig = await rigFor('local');
    const expiresAt = rig.clock.now().getTime() + 60_000;
    await rig.table.documentClient.send(
      new PutCommand({
        TableName: rig.table.tableName,
        Item: { ...migrationLeaseKey(), runId: randomUUID(), expiresAt },
      }),
    );

    const busy = await migrateToTenantLayout(rig.migrationDeps());
    rig.clock.advance(120_000);
    const taken = await migrateToTenantLayout(rig.migrationDeps());

    expect(busy).toMatchObject({
      done: false,
      moved: nothingMoved,
      busy: expect.stringContaining('in progress'),
    });
    expect(taken.done).toBe(true);
    expect(taken.moved.secrets).toBe(5);
    expect(await migrationItems(rig)).toEqual([]);
  });
});
