/** `secretm audit tail`, `audit ls` and `audit verify` against local mode: the tenant's audit, read as people and scripts read it. */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditPk, pkName, skName } from '../../shared/store/keys.ts';
import { type CliFixture, startCli } from './cli-fixture.ts';

let cli: CliFixture;
let readerKey: string;

interface Event {
  id: string;
  at: string;
  action: string;
  target: string;
  outcome: string;
  reason?: string;
  requestId: string;
}

const jsonLines = (text: string): Event[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));

beforeAll(async () => {
  cli = await startCli();
  await cli.api.request('POST', '/v1/secrets', { body: { name: 'tailed', type: 'env', data: { A: '1' } } });
  await cli.api.request('GET', '/v1/secrets/tailed/value');
  await cli.api.request('GET', '/v1/secrets/missing/value');
  const reader = await cli.api.request('POST', '/v1/api-keys', {
    body: { name: 'reader', scopes: ['read', 'reveal'] },
  });
  readerKey = reader.json.key;
});
afterAll(async () => {
  await cli?.stop();
});

describe('audit tail', () => {
  it('prints the latest events oldest first, the newest last, as plain rows when piped', async () => {
    const result = await cli.run(['audit', 'tail', '-n', '2', '--secret', 'tailed']);
    expect(result.code, result.stderr).toBe(0);
    const rows = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.split('\t'));
    expect(rows.map((row) => [row[2], row[3], row[4]])).toEqual([
      ['secret.create', 'secret:tailed', 'success'],
      ['secret.reveal', 'secret:tailed', 'success'],
    ]);
    expect(rows[0]![0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(rows[0]![1]).toBe('operator');
  });

  it('filters by action, outcome and secret, and never shows its own read', async () => {
    const failures = jsonLines((await cli.run(['audit', 'tail', '--outcome', 'failure', '--json'])).stdout);
    expect(failures.map((event) => [event.action, event.target, event.reason])).toContainEqual([
      'secret.reveal',
      'secret:missing',
      'not_found',
    ]);
    expect(failures.every((event) => event.outcome === 'failure')).toBe(true);
    const reveals = jsonLines(
      (await cli.run(['audit', 'tail', '--action', 'secret.reveal', '--secret', 'tailed', '--json'])).stdout,
    );
    expect(reveals.map((event) => [event.action, event.target, event.outcome])).toEqual([
      ['secret.reveal', 'secret:tailed', 'success'],
    ]);
    const reads = await cli.run(['audit', 'tail', '--action', 'audit.read', '--json']);
    const readIds = jsonLines(reads.stdout).map((event) => event.requestId);
    const again = jsonLines((await cli.run(['audit', 'tail', '--action', 'audit.read', '--json'])).stdout);
    // The second tail shows the first one's read (one more than before), never its own.
    expect(again.length).toBe(Math.min(20, readIds.length + 1));
    expect(again.slice(0, -1).map((event) => event.requestId)).toEqual(readIds.slice(-(again.length - 1)));
  });

  it('lines the rows up under a header on a terminal', async () => {
    const result = await cli.runInTerminal(['audit', 'tail', '-n', '1', '--secret', 'tailed'], {
      env: { NO_COLOR: '1' },
    });
    const [header, row, ...rest] = result.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^AT +ACTOR +ACTION +TARGET +OUTCOME +REQUEST +SOURCE$/);
    expect(row).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} +operator +secret\.reveal +secret:tailed +success /,
    );
    expect(row!.indexOf('secret.reveal')).toBe(header!.indexOf('ACTION'));
    expect(rest).toEqual([]);
  });

  it('follows: prints an event written after it started, and stops on Ctrl-C with exit code 0', async () => {
    await cli.api.request('POST', '/v1/secrets', {
      body: { name: 'followed', type: 'env', data: { A: '1' } },
    });
    const { child, result } = cli.start(
      ['audit', 'tail', '--follow', '--secret', 'followed', '--interval', '200ms', '--json'],
      { timeoutMs: 30_000 },
    );
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    await until(() => stdout.includes('secret.create'));
    await cli.api.request('GET', '/v1/secrets/followed/value');
    await until(() => stdout.includes('secret.reveal'));
    child.kill('SIGINT');
    const ended = await result;
    expect(ended).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(jsonLines(ended.stdout).map((event) => event.action)).toEqual(['secret.create', 'secret.reveal']);
  });

  it('does not print its own polls while following, only the reads of others', async () => {
    await cli.api.request('GET', '/v1/audit?limit=1');
    const { child, result } = cli.start(
      ['audit', 'tail', '-f', '-n', '1', '--action', 'audit.read', '--interval', '100ms', '--json'],
      { timeoutMs: 30_000 },
    );
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    await until(() => stdout.endsWith('\n'));
    await new Promise((resolve) => setTimeout(resolve, 600)); // a few polls, each one audited
    const other = await cli.api.request('GET', '/v1/audit?limit=1');
    const otherId = other.headers.get('x-request-id')!;
    await until(() => stdout.includes(otherId));
    child.kill('SIGINT');
    const events = jsonLines((await result).stdout);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ action: 'audit.read', requestId: otherId });
  });

  it('refuses a key without admin with exit 3 and the API’s message', async () => {
    const result = await cli.run(['audit', 'tail'], { env: { SECRETM_API_KEY: readerKey } });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('this action needs the admin scope');
    expect(result.stderr).toMatch(/request id: [0-9a-f-]{36}/);
  });

  it('refuses a malformed time or outcome as a usage error, before any request', async () => {
    const time = await cli.run(['audit', 'tail', '--from', 'yesterday']);
    expect(time.code).toBe(1);
    expect(time.stderr).toContain('must be an ISO 8601 time');
    const outcome = await cli.run(['audit', 'ls', '--outcome', 'maybe']);
    expect(outcome.code).toBe(1);
  });
});

describe('audit ls', () => {
  it('lists events newest first, up to --limit, within a time range', async () => {
    const all = JSON.parse(
      (await cli.run(['audit', 'ls', '--secret', 'tailed', '--json'])).stdout,
    ) as Event[];
    expect(all.map((event) => event.action)).toEqual(['secret.reveal', 'secret.create']);
    const one = await cli.run(['audit', 'ls', '--secret', 'tailed', '--limit', '1']);
    expect(
      one.stdout
        .trimEnd()
        .split('\n')
        .map((line) => line.split('\t')[2]),
    ).toEqual(['secret.reveal']);
    const future = await cli.run(['audit', 'ls', '--from', '2999-01-01T00:00:00Z', '--json']);
    expect(JSON.parse(future.stdout)).toEqual([]);
  });
});

describe('audit verify', () => {
  it('says the audit is intact, as pairs or JSON, with exit code 0', async () => {
    const result = await cli.run(['audit', 'verify']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('intact\tyes\n');
    const json = await cli.run(['audit', 'verify', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ intact: true, complete: true, problems: 0 });
  });

  it('names an event edited in the table, and exits 1', async () => {
    const [event] = JSON.parse(
      (await cli.run(['audit', 'ls', '--secret', 'tailed', '--limit', '1', '--json'])).stdout,
    ) as (Event & { tenant: string })[];
    await cli.api.documentClient.send(
      new UpdateCommand({
        TableName: cli.api.tableName,
        Key: { [pkName]: auditPk(event!.tenant), [skName]: event!.id },
        UpdateExpression: 'SET #target = :target',
        ExpressionAttributeNames: { '#target': 'target' },
        ExpressionAttributeValues: { ':target': 'secret:something-else' },
      }),
    );
    const result = await cli.run(['audit', 'verify']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('intact\tno\n');
    expect(result.stdout).toMatch(new RegExp(`first problem\\t\\S+ at ${event!.at.replaceAll('.', '\\.')}`));
    const json = await cli.run(['audit', 'verify', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ intact: false, firstProblem: { id: event!.id } });
  });
});

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
