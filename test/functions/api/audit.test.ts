/**
 * `GET /v1/audit` and `GET /v1/audit/verify` end to end over HTTP in local mode, on a fake clock and
 * the real local vault (each tenant's audit key is made there on its first event): filters, pages,
 * CSV and JSON Lines exports, reading the audit audited in the audit read, the operator naming a
 * tenant and no one else, bad input; then the hourly digests written by the digest function's code,
 * an event edited in DynamoDB Local and verify naming it.
 */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestAudits } from '../../../functions/audit/digest.ts';
import { auditPk, pkName, skName } from '../../../shared/store/keys.ts';
import { type ApiAnswer, type LocalApi, startLocalApi } from '../../local/local-fixture.ts';

let now = new Date('2026-04-01T10:00:00.000Z');
let api: LocalApi;
const secretValue = 'audit-api-value-never-in-the-audit';
/** The request id of each set-up request, by name. */
const requests: Record<string, string> = {};
let tenantKey: string;

async function ok(answer: Promise<ApiAnswer>): Promise<ApiAnswer> {
  const done = await answer;
  expect(done.status, done.text).toBeLessThan(300);
  return done;
}

const tick = () => {
  now = new Date(now.getTime() + 60_000);
};

beforeAll(async () => {
  api = await startLocalApi({ clock: { now: () => now } });
  const steps: [string, string, string, unknown?][] = [
    ['create', 'POST', '/v1/secrets', { name: 'payments/db', type: 'env', data: { PASSWORD: secretValue } }],
    ['reveal', 'GET', '/v1/secrets/payments%2Fdb/value'],
    ['other', 'POST', '/v1/secrets', { name: 'other', type: 'env', data: { K: 'v' } }],
    ['missing', 'GET', '/v1/secrets/absent/value'],
  ];
  for (const [name, method, path, body] of steps) {
    tick();
    const answer = await api.request(method, path, {
      ...(body === undefined ? {} : { body }),
      headers: { 'user-agent': name === 'reveal' ? '=HYPERLINK("http://evil")' : 'audit-test/1.0' },
    });
    requests[name] = answer.headers.get('x-request-id')!;
  }
  tick();
  tenantKey = (
    await ok(
      api.request('POST', '/v1/api-keys', {
        body: { name: 'acme admin', scopes: ['read', 'write', 'admin'], tenant: 'acme' },
      }),
    )
  ).json.key;
  tick();
  await ok(
    api.request('POST', '/v1/secrets', {
      key: tenantKey,
      body: { name: 'acme-db', type: 'env', data: { K: 'v' } },
    }),
  );
});

afterAll(async () => {
  await api?.stop();
});

describe('GET /v1/audit', () => {
  it('answers the tenant’s events newest first, each with its id and HMAC, and never a value', async () => {
    const answer = await ok(api.request('GET', '/v1/audit?limit=100'));

    expect(answer.json.tenant).toBe('default');
    const events = answer.json.items as { action: string; at: string; hmac: string; id: string }[];
    expect(events.map((event) => event.at)).toEqual([...events.map((event) => event.at)].sort().reverse());
    expect(events.map((event) => event.action)).toEqual(
      expect.arrayContaining(['secret.create', 'secret.reveal']),
    );
    for (const event of events) {
      expect(event.hmac).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(event.id.startsWith(event.at)).toBe(true);
    }
    expect(answer.text).not.toContain(secretValue);
  });

  it('filters by secret, action, outcome, actor, request id and time', async () => {
    const ofSecret = await ok(api.request('GET', '/v1/audit?secret=payments%2Fdb'));
    const failures = await ok(api.request('GET', '/v1/audit?outcome=failure&action=secret.reveal'));
    const byRequest = await ok(api.request('GET', `/v1/audit?requestId=${requests.reveal}`));
    const byActor = await ok(api.request('GET', '/v1/audit?actor=operator&action=secret.create'));
    const inTime = await ok(
      api.request('GET', '/v1/audit?from=2026-04-01T10:01:30Z&to=2026-04-01T10:03:00Z&action=secret.create'),
    );

    expect(ofSecret.json.items.map((event: { action: string }) => event.action)).toEqual([
      'secret.reveal',
      'secret.create',
    ]);
    expect(failures.json.items).toEqual([
      expect.objectContaining({ requestId: requests.missing, reason: 'not_found', target: 'secret:absent' }),
    ]);
    expect(byRequest.json.items).toEqual([expect.objectContaining({ action: 'secret.reveal' })]);
    expect(byActor.json.items.map((event: { target: string }) => event.target)).toEqual([
      'secret:other',
      'secret:payments/db',
    ]);
    expect(inTime.json.items.map((event: { target: string }) => event.target)).toEqual(['secret:other']);
  });

  it('goes page by page with the cursor, to the end', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await ok(api.request('GET', `/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.json.items.map((event: { id: string }) => event.id));
      cursor = page.json.cursor;
      pages++;
    } while (cursor && pages < 50);

    expect(cursor).toBeUndefined();
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort().reverse());
  });

  it('exports CSV with formula cells defused, and JSON Lines, with the next cursor in a header', async () => {
    const csv = await ok(api.request('GET', `/v1/audit?format=csv&requestId=${requests.reveal}`));
    const jsonl = await ok(api.request('GET', '/v1/audit?format=jsonl&limit=2'));

    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [header, row, end] = csv.text.split('\r\n');
    expect(header).toBe('at,tenant,actor,action,target,outcome,reason,requestId,sourceIp,userAgent,id,hmac');
    expect(row).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(end).toBe('');
    expect(jsonl.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const lines = jsonl.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ tenant: 'default', hmac: expect.any(String) });
    expect(jsonl.headers.get('x-next-cursor')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('audits reading the audit, in the audit read', async () => {
    const read = await ok(api.request('GET', '/v1/audit?limit=1'));
    const requestId = read.headers.get('x-request-id');

    const later = await ok(api.request('GET', `/v1/audit?requestId=${requestId}`));

    expect(later.json.items).toEqual([
      expect.objectContaining({ action: 'audit.read', target: 'audit', actor: 'operator' }),
    ]);
  });

  it('lets the operator name a tenant, recording the read in that tenant’s audit, and no other key', async () => {
    const asOperator = await ok(api.request('GET', '/v1/audit?tenant=acme&action=secret.create'));
    const operatorRead = asOperator.headers.get('x-request-id');
    const asAcme = await ok(api.request('GET', `/v1/audit?requestId=${operatorRead}`, { key: tenantKey }));
    const acmeNamingDefault = await api.request('GET', '/v1/audit?tenant=default', { key: tenantKey });
    const acmeOwn = await ok(
      api.request('GET', '/v1/audit?tenant=acme&action=secret.create', { key: tenantKey }),
    );

    expect(asOperator.json).toMatchObject({
      tenant: 'acme',
      items: [expect.objectContaining({ tenant: 'acme', target: 'secret:acme-db' })],
    });
    expect(asAcme.json.items).toEqual([
      expect.objectContaining({ tenant: 'acme', actor: 'operator', action: 'audit.read' }),
    ]);
    expect(acmeNamingDefault.status).toBe(403);
    expect(acmeNamingDefault.text).not.toContain('secret:');
    expect(acmeOwn.json.items).toHaveLength(1);
  });

  it('answers 404 to the operator naming a tenant with no audit, and starts no audit for it', async () => {
    const typo = await api.request('GET', '/v1/audit?tenant=acmee');
    const again = await api.request('GET', '/v1/audit?tenant=acmee');
    const verify = await api.request('GET', '/v1/audit/verify?tenant=acmee');
    const own = await ok(api.request('GET', `/v1/audit?requestId=${typo.headers.get('x-request-id')}`));

    expect([typo.status, again.status, verify.status]).toEqual([404, 404, 404]);
    expect(typo.json).toMatchObject({ error: { message: 'tenant acmee has no audit' } });
    // The refused read is in the operator's own audit, not in one started for the typo.
    expect(own.json.items).toEqual([
      expect.objectContaining({
        tenant: 'default',
        action: 'audit.read',
        outcome: expect.not.stringMatching(/^success$/),
      }),
    ]);
  });

  it('refuses bad input with 400, and keys without admin with 403', async () => {
    const readOnly = (
      await ok(api.request('POST', '/v1/api-keys', { body: { name: 'reader', scopes: ['read', 'reveal'] } }))
    ).json.key;

    const answers = await Promise.all([
      api.request('GET', '/v1/audit?format=xml'),
      api.request('GET', '/v1/audit?from=yesterday'),
      api.request('GET', '/v1/audit?from=2026-04-02T00:00:00Z&to=2026-04-01T00:00:00Z'),
      api.request('GET', '/v1/audit?cursor=***'),
      api.request('GET', '/v1/audit?secret=..%2Fx'),
      api.request('GET', '/v1/audit?limit=0'),
      api.request('GET', '/v1/audit?unknown=1'),
      api.request('GET', '/v1/audit/verify?cursor=abc'),
    ]);
    const forbidden = await api.request('GET', '/v1/audit', { key: readOnly });

    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400, 400, 400, 400, 400]);
    expect(forbidden.status).toBe(403);
  });
});

describe('GET /v1/audit/verify', () => {
  it('finds the audit intact once digested, then names an event edited in the table', async () => {
    // The hours up to 11:00 are closed by 12:20; the digest function runs at 12:25.
    now = new Date('2026-04-01T12:25:00.000Z');
    const run = await digestAudits(api.dependencies);
    expect(run).toMatchObject({ done: true, failed: [] });
    expect(run.tenants).toBeGreaterThanOrEqual(2);

    const intact = await ok(api.request('GET', '/v1/audit/verify'));
    expect(intact.json).toMatchObject({
      tenant: 'default',
      intact: true,
      complete: true,
      digestedThrough: '2026-04-01T12:00:00.000Z',
      problems: 0,
    });
    expect(intact.json.checked.digests).toBeGreaterThanOrEqual(3);

    const { Items } = await api.documentClient.send(
      new QueryCommand({
        TableName: api.tableName,
        KeyConditionExpression: '#pk = :pk',
        FilterExpression: 'requestId = :request',
        ExpressionAttributeNames: { '#pk': pkName },
        ExpressionAttributeValues: { ':pk': auditPk('default'), ':request': requests.reveal },
      }),
    );
    await api.documentClient.send(
      new UpdateCommand({
        TableName: api.tableName,
        Key: { [pkName]: auditPk('default'), [skName]: Items![0]![skName] },
        UpdateExpression: 'SET outcome = :failure',
        ExpressionAttributeValues: { ':failure': 'failure' },
      }),
    );

    const broken = await ok(api.request('GET', '/v1/audit/verify?from=2026-04-01T10:00:00Z'));
    expect(broken.json).toMatchObject({
      intact: false,
      firstProblem: { kind: 'altered', requestId: requests.reveal, action: 'secret.reveal' },
    });
    // The other tenant's audit is its own, and holds.
    const acme = await ok(api.request('GET', '/v1/audit/verify', { key: tenantKey }));
    expect(acme.json).toMatchObject({ tenant: 'acme', intact: true });
  });
});
