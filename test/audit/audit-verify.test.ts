/**
 * Verify on DynamoDB Local, against an audit tampered with directly in the table: events edited,
 * deleted and inserted (without the key, and with it), digests edited, deleted, their parts edited,
 * and a digest rewritten with the key. Each answer names the first problem by time, request id and
 * action; hours not digested yet are checked by HMAC alone, and the answer says so.
 *
 * The audit of each test: the key made at 09:30, so digests start at 08:00; events at 09:40, 10:10,
 * 10:20, 10:50 and 11:30, digested through 12:00 by the job's runs at 10:25, 11:25 and 12:25; two
 * events at 12:05 and 12:10 not digested yet.
 */
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuditDigestJob } from '../../shared/audit/audit-digests.ts';
import { type DigestContent, eventText, hmacOf, parseDigest, sha256 } from '../../shared/audit/audit-seal.ts';
import type { AuditEvent, AuditRecord } from '../../shared/audit/audit-types.ts';
import { type AuditVerifyDeps, verifyAudit } from '../../shared/audit/audit-verify.ts';
import { ValidationError } from '../../shared/errors.ts';
import { createAuditDigestStore } from '../../shared/store/audit-digest-store.ts';
import { auditRecordOf, createAuditStore } from '../../shared/store/audit-store.ts';
import { auditDigestPk, auditPk, pkName, skName } from '../../shared/store/keys.ts';
import { encodeCursor } from '../../shared/store/paging.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';
import { auditEvent, freshTenant, rejectionOf } from '../store/store-fixtures.ts';
import { fixedKeys, keyOf } from './audit-fixtures.ts';

const keyMadeAt = '2026-03-01T09:30:00.000Z';
const checkedAt = new Date('2026-03-01T12:40:00.000Z');
const times = ['09:40', '10:10', '10:20', '10:50', '11:30', '12:05', '12:10'];
let table: TestTable;
const store = () => ({ client: table.documentClient, tableName: table.tableName });
const keys = fixedKeys(keyMadeAt);

beforeAll(async () => {
  table = await createTestTable();
});

/** A tenant's audit as described above; its events by their time (hh:mm). */
async function audit(): Promise<{ tenant: string; events: Record<string, AuditRecord> }> {
  const tenant = freshTenant();
  const sealed = createAuditStore({ ...store(), auditKeys: keys });
  for (const time of times) {
    await sealed.record(auditEvent(tenant, `action.${time}`, { at: `2026-03-01T${time}:00.000Z` }));
  }
  // The job runs at 25 past every hour.
  for (const run of ['10:25', '11:25', '12:25']) await digest(tenant, new Date(`2026-03-01T${run}:00.000Z`));
  const events: Record<string, AuditRecord> = {};
  for (const item of await items(auditPk(tenant))) {
    const record = auditRecordOf(item);
    events[record.at.slice(11, 16)] = record;
  }
  return { tenant, events };
}

async function digest(tenant: string, at: Date, retentionDays = 400) {
  await createAuditDigestJob({
    events: createAuditStore(store()),
    digests: createAuditDigestStore(store()),
    keys,
    tenants: async function* () {
      yield tenant;
    },
    clock: { now: () => at },
    retentionDays,
  }).digestAll();
}

async function items(pk: string) {
  const { Items } = await table.documentClient.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': pkName },
      ExpressionAttributeValues: { ':pk': pk },
    }),
  );
  return Items ?? [];
}

const eventKey = (tenant: string, id: string) => ({ [pkName]: auditPk(tenant), [skName]: id });
const digestKey = (tenant: string, hour: string) => ({
  [pkName]: auditDigestPk(tenant),
  [skName]: `H#${hour}`,
});
const hour = (hh: string) => `2026-03-01T${hh}:00:00.000Z`;

async function set(key: Record<string, string>, attribute: string, value: unknown) {
  await table.documentClient.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: key,
      UpdateExpression: 'SET #a = :v',
      ExpressionAttributeNames: { '#a': attribute },
      ExpressionAttributeValues: { ':v': value },
    }),
  );
}

async function remove(key: Record<string, string>) {
  await table.documentClient.send(new DeleteCommand({ TableName: table.tableName, Key: key }));
}

function verify(
  tenant: string,
  query: Parameters<typeof verifyAudit>[1] = {},
  options: Partial<AuditVerifyDeps> = {},
) {
  return verifyAudit(
    {
      tenant,
      events: createAuditStore(store()),
      digests: createAuditDigestStore(store()),
      keys,
      now: checkedAt,
      ...options,
    },
    query,
  );
}

describe('verifying the audit', () => {
  it('answers that all holds when nothing was touched, and says which events only their HMAC vouches for', async () => {
    // Prepare
    const { tenant } = await audit();

    // Act
    const report = await verify(tenant);

    // Assess
    expect(report).toMatchObject({
      tenant,
      from: hour('08'),
      to: checkedAt.toISOString(),
      intact: true,
      complete: true,
      sealedSince: hour('08'),
      digestedThrough: hour('12'),
      checked: { events: 7, digests: 4, hmacOnly: 2, unsealed: 0, expired: 0 },
      problems: 0,
    });
    expect(report.firstProblem).toBeUndefined();
    expect(report.notes).toEqual([
      expect.stringMatching(
        /^2 events after 2026-03-01T12:00:00.000Z are not covered by a digest yet.*checked by HMAC alone/,
      ),
    ]);
  });

  it('names an event whose fields were edited in the table', async () => {
    // Prepare
    const { tenant, events } = await audit();
    const edited = events['10:20']!;
    await set(eventKey(tenant, edited.id), 'target', 'secret:something-else');

    // Act
    const report = await verify(tenant);

    // Assess
    expect(report).toMatchObject({ intact: false, problems: 1 });
    expect(report.firstProblem).toMatchObject({
      kind: 'altered',
      at: edited.at,
      requestId: edited.requestId,
      action: 'action.10:20',
    });
  });

  it('names an event whose HMAC was replaced by that of another event', async () => {
    // Prepare
    const { tenant, events } = await audit();
    await set(eventKey(tenant, events['10:50']!.id), 'hmac', (await items(auditPk(tenant)))[0]!.hmac);

    // Act
    const report = await verify(tenant);

    // Assess
    expect(report.firstProblem).toMatchObject({ kind: 'altered', requestId: events['10:50']!.requestId });
  });

  it('names an event deleted from the table by the time, request id and action its digest recorded', async () => {
    // Prepare
    const { tenant, events } = await audit();
    const deleted = events['10:10']!;
    await remove(eventKey(tenant, deleted.id));

    // Act
    const report = await verify(tenant);

    // Assess
    expect(report.firstProblem).toEqual({
      kind: 'removed',
      at: deleted.at,
      requestId: deleted.requestId,
      action: 'action.10:10',
      id: deleted.id,
      message: expect.any(String),
    });
  });

  it('names an event inserted into a digested hour, even one sealed with the tenant’s key', async () => {
    // Prepare: one forged without the key, one by someone who has the key.
    const { tenant } = await audit();
    const forged = auditEvent(tenant, 'secret.create', { at: '2026-03-01T10:30:00.000Z' });
    const sealedWithKey = auditEvent(tenant, 'secret.delete', { at: '2026-03-01T11:40:00.000Z' });
    const write = async (event: AuditEvent, id: string, withKey: boolean) => {
      const expiresAt = Math.floor(Date.parse(event.at) / 1000) + 400 * 86_400;
      const hmac = withKey
        ? hmacOf(keyOf(tenant, keyMadeAt), eventText(id, event, expiresAt))
        : 'A'.repeat(43);
      await table.documentClient.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { ...event, ...eventKey(tenant, id), expiresAt, hmac },
        }),
      );
    };
    await write(forged, `${forged.at}#${forged.requestId}#0000000000000000`, false);
    await write(sealedWithKey, `${sealedWithKey.at}#${sealedWithKey.requestId}#0000000000000000`, true);

    // Act
    const report = await verify(tenant);

    // Assess
    expect(report).toMatchObject({ intact: false, problems: 2 });
    expect(report.firstProblem).toMatchObject({
      kind: 'inserted',
      requestId: forged.requestId,
      action: 'secret.create',
    });
  });

  it('names the first problem by time when there are several', async () => {
    // Prepare
    const { tenant, events } = await audit();
    await set(eventKey(tenant, events['11:30']!.id), 'outcome', 'failure');
    await remove(eventKey(tenant, events['09:40']!.id));

    // Act
    const report = await verify(tenant);

    // Assess
    expect(report.problems).toBe(2);
    expect(report.firstProblem).toMatchObject({ kind: 'removed', action: 'action.09:40' });
  });

  it('catches an event edited after the last digest by its HMAC, and cannot see one deleted there', async () => {
    // Prepare
    const { tenant, events } = await audit();
    await set(eventKey(tenant, events['12:05']!.id), 'actor', 'apikey:someone-else');
    await remove(eventKey(tenant, events['12:10']!.id));

    // Act
    const report = await verify(tenant);

    // Assess: the edit shows; the deletion cannot, until a digest covers the hour.
    expect(report.problems).toBe(1);
    expect(report.firstProblem).toMatchObject({
      kind: 'altered-or-inserted',
      requestId: events['12:05']!.requestId,
      action: 'action.12:05',
    });
    expect(report.checked.hmacOnly).toBe(1);
  });

  it('names a digest whose text was edited, and checks its hour’s events by HMAC alone', async () => {
    // Prepare
    const { tenant } = await audit();
    const [digest] = (await items(auditDigestPk(tenant))).filter(
      (item) => item[skName] === `H#${hour('10')}`,
    );
    const content = parseDigest(String(digest!.content))!;
    await set(digestKey(tenant, hour('10')), 'content', JSON.stringify({ ...content, events: 2 }));

    // Act
    const report = await verify(tenant);

    // Assess
    expect(report.firstProblem).toMatchObject({ kind: 'digest-altered', at: hour('10') });
    expect(report.problems).toBe(1);
  });

  it('names a digest deleted from the chain', async () => {
    // Prepare
    const { tenant } = await audit();
    await remove(digestKey(tenant, hour('09')));

    // Act
    const report = await verify(tenant);

    // Assess
    expect(report.firstProblem).toMatchObject({ kind: 'digest-removed', at: hour('09') });
  });

  it('names a digest deleted just before the range checked, through the link of the first digest in it', async () => {
    // Prepare
    const { tenant } = await audit();
    await remove(digestKey(tenant, hour('09')));

    // Act
    const report = await verify(tenant, { from: hour('10') });

    // Assess
    expect(report.firstProblem).toMatchObject({ kind: 'digest-removed', at: hour('09') });
  });

  it('names a digest whose list of events was edited', async () => {
    // Prepare
    const { tenant } = await audit();
    const [part] = (await items(auditDigestPk(tenant))).filter((item) =>
      String(item[skName]).startsWith(`P#${hour('10')}#`),
    );
    await set({ [pkName]: auditDigestPk(tenant), [skName]: String(part![skName]) }, 'entries', '[]');

    // Act
    const report = await verify(tenant);

    // Assess
    expect(report.firstProblem).toMatchObject({ kind: 'digest-altered', at: hour('10') });
  });

  it('breaks the chain when a digest is rewritten with the key to hide a deleted event', async () => {
    // Prepare: someone with the key and the table deletes the 10:20 event and rewrites the 10:00 digest
    // without it; only the next digest, which named the old one's hash, gives it away.
    const { tenant, events } = await audit();
    await remove(eventKey(tenant, events['10:20']!.id));
    const [digest] = (await items(auditDigestPk(tenant))).filter(
      (item) => item[skName] === `H#${hour('10')}`,
    );
    const content = parseDigest(String(digest!.content))!;
    const entries = JSON.stringify(
      [events['10:10']!, events['10:50']!].map((event) => [
        event.id,
        event.action,
        event.hmac,
        event.expiresAt,
      ]),
    );
    const rewritten: DigestContent = {
      ...content,
      events: 2,
      parts: [{ sha256: sha256(entries), events: 2 }],
    };
    const text = JSON.stringify(rewritten);
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { [pkName]: auditDigestPk(tenant), [skName]: `P#${hour('10')}#forged#0000`, entries },
      }),
    );
    await set(digestKey(tenant, hour('10')), 'content', text);
    await set(digestKey(tenant, hour('10')), 'hmac', hmacOf(keyOf(tenant, keyMadeAt), text));
    await set(digestKey(tenant, hour('10')), 'generation', 'forged');

    // Act
    const report = await verify(tenant);

    // Assess
    expect(report).toMatchObject({ intact: false, problems: 1 });
    expect(report.firstProblem).toMatchObject({ kind: 'digest-altered', at: hour('10') });
    expect(report.firstProblem?.message).toMatch(/changed after the next one was written/);
  });

  it('says so when the newest digests are gone, and when a digest was written long after its hour', async () => {
    // Prepare: the 11:00 digest deleted (with the 11:30 event), and the job run again later.
    const { tenant, events } = await audit();
    await remove(digestKey(tenant, hour('11')));
    await remove(eventKey(tenant, events['11:30']!.id));

    // Act
    const before = await verify(tenant);
    await digest(tenant, new Date('2026-03-01T15:30:00.000Z'));
    const after = await verify(tenant, {}, { now: new Date('2026-03-01T15:40:00.000Z') });

    // Assess: the deletion itself shows in neither answer; what can be said, is.
    expect(before.intact).toBe(true);
    expect(before.digestedThrough).toBe(hour('11'));
    expect(after.intact).toBe(true);
    expect(after.notes).toContainEqual(
      expect.stringMatching(/hour from 2026-03-01T11:00:00.000Z was written late/),
    );
  });

  it('counts an event its digest lists as expired, not removed, once its time has passed', async () => {
    // Prepare: an event kept one day, digested, then removed by TTL.
    const tenant = freshTenant();
    const shortLived = createAuditStore({ ...store(), auditKeys: keys, auditRetentionDays: 1 });
    await shortLived.record(auditEvent(tenant, 'secret.reveal', { at: '2026-03-01T09:40:00.000Z' }));
    await digest(tenant, new Date('2026-03-01T12:25:00.000Z'), 1);
    const [item] = await items(auditPk(tenant));
    await remove(eventKey(tenant, String(item![skName])));

    // Act
    const report = await verify(
      tenant,
      { from: hour('08'), to: hour('11') },
      { now: new Date('2026-03-02T12:00:00.000Z') },
    );

    // Assess
    expect(report).toMatchObject({ intact: true, checked: { expired: 1 } });
  });

  it('answers a long range a part at a time, with a cursor, and finds the problem in a later part', async () => {
    // Prepare
    const { tenant, events } = await audit();
    await remove(eventKey(tenant, events['11:30']!.id));

    // Act
    const answers = [];
    let cursor: string | undefined;
    do {
      const answer = await verify(tenant, cursor ? { cursor } : {}, { maxItems: 1 });
      answers.push(answer);
      cursor = answer.cursor;
    } while (cursor && answers.length < 20);

    // Assess
    expect(answers.length).toBeGreaterThan(2);
    expect(answers.slice(0, -1).every((answer) => !answer.complete)).toBe(true);
    expect(answers.at(-1)!.complete).toBe(true);
    expect(answers.filter((answer) => !answer.intact).map((answer) => answer.firstProblem?.action)).toEqual([
      'action.11:30',
    ]);
    expect(answers.reduce((total, answer) => total + answer.checked.digests, 0)).toBe(4);
  });

  it('widens a range to whole hours, and refuses a range backwards or a cursor it did not make', async () => {
    // Prepare
    const { tenant } = await audit();

    // Act
    const report = await verify(tenant, { from: '2026-03-01T10:15:00.000Z', to: '2026-03-01T10:45:00.000Z' });
    const errors = await Promise.all([
      rejectionOf(verify(tenant, { from: hour('11'), to: hour('10') })),
      rejectionOf(verify(tenant, { cursor: encodeCursor('2026-03-01T10:30:00.000Z') })),
      rejectionOf(verify(tenant, { cursor: encodeCursor(hour('05')) })),
      rejectionOf(verify(tenant, { from: 'yesterday' })),
    ]);

    // Assess
    expect(report).toMatchObject({
      from: hour('10'),
      to: hour('11'),
      intact: true,
      checked: { events: 3, digests: 1 },
    });
    expect(errors.every((error) => error instanceof ValidationError)).toBe(true);
  });

  it('has nothing to verify for a tenant that never sealed an event', async () => {
    // Act
    const report = await verify(freshTenant(), {}, { keys: { find: async () => undefined } });

    // Assess
    expect(report).toMatchObject({ intact: true, complete: true, problems: 0 });
    expect(report.notes[0]).toMatch(/no audit key/);
  });
});
