/**
 * The digest job on DynamoDB Local: one digest per tenant and closed hour (empty hours too), from the
 * hour before the tenant's key was made, each chained to the one before and HMAC'd; an hour waits 20
 * minutes past its end; runs go on from the latest digest, share the work without writing an hour
 * twice, stop on time, and visit every registered tenant with a key.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AuditDigestDeps, createAuditDigestJob } from '../../shared/audit/audit-digests.ts';
import { hmacOf, parseDigest, parsePart, sha256 } from '../../shared/audit/audit-seal.ts';
import { createAuditDigestStore } from '../../shared/store/audit-digest-store.ts';
import { createAuditStore } from '../../shared/store/audit-store.ts';
import { auditDigestPk, pkName, skName } from '../../shared/store/keys.ts';
import { listTenants, registerTenant } from '../../shared/store/tenant-registry.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';
import { auditEvent, freshTenant } from '../store/store-fixtures.ts';
import { fixedKeys, keyOf, movableClock } from './audit-fixtures.ts';

const keyMadeAt = '2026-03-01T09:30:00.000Z';
let table: TestTable;
const store = () => ({ client: table.documentClient, tableName: table.tableName });

beforeAll(async () => {
  table = await createTestTable();
});

/** A job over the test table, for `tenants`, at the clock's time. */
function job(clock: { now(): Date }, tenants: string[], options: Partial<AuditDigestDeps> = {}) {
  return createAuditDigestJob({
    events: createAuditStore(store()),
    digests: createAuditDigestStore(store()),
    keys: fixedKeys(keyMadeAt),
    tenants: async function* () {
      yield* tenants;
    },
    clock,
    retentionDays: 400,
    ...options,
  });
}

async function write(tenant: string, at: string, action = 'secret.reveal', retentionDays = 400) {
  const sealed = createAuditStore({
    ...store(),
    auditKeys: fixedKeys(keyMadeAt),
    auditRetentionDays: retentionDays,
  });
  const event = auditEvent(tenant, action, { at });
  await sealed.record(event);
  return event;
}

/** Every digest of the tenant, oldest first, with its content read. */
async function digestsOf(tenant: string) {
  const found = [];
  for await (const page of createAuditDigestStore(store()).headers(tenant, '0', '9')) found.push(...page);
  return found.map((digest) => ({ ...digest, parsed: parseDigest(digest.content)! }));
}

describe('the audit digest job', () => {
  it('digests every closed hour from the hour before the key was made, empty ones too, each chained to the one before', async () => {
    // Prepare
    const tenant = freshTenant();
    await write(tenant, '2026-03-01T09:40:00.000Z');
    await write(tenant, '2026-03-01T11:05:00.000Z', 'secret.create');
    await write(tenant, '2026-03-01T11:59:59.999Z');
    const clock = movableClock('2026-03-01T12:19:59.000Z');

    // Act
    const written = await job(clock, [tenant]).digestTenant(tenant);

    // Assess: 08, 09 and 10 are closed; 11 closes at 12:20.
    const digests = await digestsOf(tenant);
    expect(written).toBe(3);
    expect(digests.map((digest) => [digest.hour, digest.parsed.events])).toEqual([
      ['2026-03-01T08:00:00.000Z', 0],
      ['2026-03-01T09:00:00.000Z', 1],
      ['2026-03-01T10:00:00.000Z', 0],
    ]);
    expect(digests[0]!.parsed.previous).toBeNull();
    for (const [i, digest] of digests.entries()) {
      expect(digest.hmac).toBe(hmacOf(keyOf(tenant, keyMadeAt), digest.content));
      expect(digest.parsed).toMatchObject({ tenant, from: digest.hour });
      if (i > 0) {
        expect(digest.parsed.previous).toEqual({
          from: digests[i - 1]!.hour,
          sha256: sha256(digests[i - 1]!.content),
          expiresAt: digests[i - 1]!.parsed.expiresAt,
        });
      }
    }

    // Act: the next run, once 11 has closed, goes on from the latest digest.
    clock.set('2026-03-01T12:25:00.000Z');
    const next = await job(clock, [tenant]).digestTenant(tenant);
    const again = await job(clock, [tenant]).digestTenant(tenant);

    // Assess
    const after = await digestsOf(tenant);
    expect([next, again]).toEqual([1, 0]);
    expect(after.at(-1)!.parsed).toMatchObject({ from: '2026-03-01T11:00:00.000Z', events: 2 });
    expect(after.at(-1)!.parsed.previous?.sha256).toBe(sha256(after.at(-2)!.content));
  });

  it('lists each event of the hour by sort key, action, HMAC and expiry, in parts when they are many', async () => {
    // Prepare
    const tenant = freshTenant();
    for (let i = 0; i < 25; i++)
      await write(tenant, `2026-03-01T09:${String(10 + i).padStart(2, '0')}:00.000Z`, `action.${i}`);
    const events = [];
    for await (const page of createAuditStore(store()).range(
      tenant,
      '2026-03-01T09:00:00.000Z',
      '2026-03-01T10:00:00.000Z',
    )) {
      events.push(...page);
    }

    // Act
    await job(movableClock('2026-03-01T10:30:00.000Z'), [tenant], { partChars: 1_000 }).digestTenant(tenant);

    // Assess
    const digest = (await digestsOf(tenant)).find((found) => found.hour === '2026-03-01T09:00:00.000Z')!;
    const parts = await createAuditDigestStore(store()).parts(tenant, digest);
    expect(parts.length).toBeGreaterThan(2);
    expect(digest.parsed.parts).toEqual(
      parts.map((text) => ({ sha256: sha256(text), events: parsePart(text)!.length })),
    );
    expect(parts.flatMap((text) => parsePart(text)!)).toEqual(
      events.map((event) => [event.id, event.action, event.hmac, event.expiresAt]),
    );
  });

  it('keeps a digest at least as long as the events it covers, and a week more', async () => {
    // Prepare: an event kept for 900 days, in a deployment that now keeps events for 30.
    const tenant = freshTenant();
    await write(tenant, '2026-03-01T09:10:00.000Z', 'secret.reveal', 900);

    // Act
    await job(movableClock('2026-03-01T10:30:00.000Z'), [tenant], { retentionDays: 30 }).digestTenant(tenant);

    // Assess
    const digests = await digestsOf(tenant);
    const event = Math.floor(Date.parse('2026-03-01T09:10:00.000Z') / 1000) + 900 * 86_400;
    expect(digests.at(-1)!.parsed.expiresAt).toBe(event + 7 * 86_400);
    const empty = Math.floor(Date.parse('2026-03-01T09:00:00.000Z') / 1000) + 30 * 86_400 + 7 * 86_400;
    expect(digests[0]!.parsed.expiresAt).toBe(empty);
    const { Item } = await table.documentClient.send(
      new GetCommand({
        TableName: table.tableName,
        Key: { [pkName]: auditDigestPk(tenant), [skName]: `H#${digests[0]!.hour}` },
      }),
    );
    expect(Item?.expiresAt).toBe(empty);
  });

  it('writes each hour once when two runs overlap, and the chain holds', async () => {
    // Prepare
    const tenant = freshTenant();
    await write(tenant, '2026-03-01T09:40:00.000Z');
    const clock = movableClock('2026-03-01T20:00:00.000Z');

    // Act
    await Promise.all([job(clock, [tenant]).digestTenant(tenant), job(clock, [tenant]).digestTenant(tenant)]);

    // Assess
    const digests = await digestsOf(tenant);
    expect(digests.map((digest) => digest.hour)).toEqual(
      Array.from({ length: 11 }, (_, i) =>
        new Date(Date.parse('2026-03-01T08:00:00.000Z') + i * 3_600_000).toISOString(),
      ),
    );
    for (const [i, digest] of digests.entries()) {
      if (i > 0) expect(digest.parsed.previous?.sha256).toBe(sha256(digests[i - 1]!.content));
    }
  });

  it('visits every registered tenant with a key, stops when its time is up, and the next run goes on', async () => {
    // Prepare: a tenant whose key was made (registered then) but that has no secret, and one with no key.
    const [withKey, other, withoutKey] = [freshTenant(), freshTenant(), freshTenant()];
    await registerTenant(store(), withKey);
    await registerTenant(store(), other);
    const clock = movableClock('2026-03-01T12:30:00.000Z');
    let budget = 2;
    const keys = fixedKeys(keyMadeAt);
    const limited = job(clock, [withKey, other, withoutKey], {
      keys: { ...keys, find: async (tenant) => (tenant === withoutKey ? undefined : keys.find(tenant)) },
      timeLeft: () => budget--,
    });

    // Act
    const first = await limited.digestAll();
    budget = Number.POSITIVE_INFINITY;
    const second = await limited.digestAll();

    // Assess
    expect(first).toMatchObject({ done: false, failed: [] });
    expect(second).toMatchObject({ done: true, tenants: 3, failed: [] });
    expect(first.digests + second.digests).toBe(8);
    expect((await digestsOf(withKey)).map((digest) => digest.hour)).toEqual([
      '2026-03-01T08:00:00.000Z',
      '2026-03-01T09:00:00.000Z',
      '2026-03-01T10:00:00.000Z',
      '2026-03-01T11:00:00.000Z',
    ]);
    expect(await digestsOf(withoutKey)).toEqual([]);
    const registered = [];
    for await (const tenant of listTenants(store())) registered.push(tenant);
    expect(registered).toEqual(expect.arrayContaining([withKey, other]));
  });

  it('goes on with the other tenants when one tenant’s chain head is unreadable', async () => {
    // Prepare
    const [broken, fine] = [freshTenant(), freshTenant()];
    const clock = movableClock('2026-03-01T10:30:00.000Z');
    await job(clock, [broken]).digestTenant(broken);
    const [head] = (await digestsOf(broken)).slice(-1);
    await table.documentClient.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { [pkName]: auditDigestPk(broken), [skName]: `H#${head!.hour}` },
        UpdateExpression: 'SET content = :garbled',
        ExpressionAttributeValues: { ':garbled': 'not a digest' },
      }),
    );
    clock.set('2026-03-01T11:30:00.000Z');

    // Act
    const summary = await job(clock, [broken, fine]).digestAll();

    // Assess
    expect(summary).toMatchObject({ tenants: 2, failed: [broken], done: true });
    expect((await digestsOf(fine)).length).toBe(3);
  });
});
