/** `secretm costs` and `secretm keys`: the tenant's cost report in three formats, and API keys made, listed and revoked. */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, startCli } from './cli-fixture.ts';

let cli: CliFixture;

beforeAll(async () => {
  cli = await startCli();
  await cli.api.request('POST', '/v1/secrets', { body: { name: 'billed', type: 'env', data: { A: '1' } } });
  await cli.api.request('GET', '/v1/secrets/billed/value');
});
afterAll(async () => {
  await cli?.stop();
});

describe('costs', () => {
  it('reports this month as rows, CSV or JSON, and refuses a malformed month', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const json = await cli.run(['costs', '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ month, currency: 'USD' });
    expect(report.secrets.map((item: { name: string }) => item.name)).toContain('billed');
    const rows = await cli.run(['costs', '--month', month]);
    expect(rows.stdout.split('\n').find((line) => line.startsWith('billed\t'))).toMatch(/^billed\tlocal\t/);
    const csv = await cli.run(['costs', '--format', 'csv']);
    expect(csv.stdout.split('\n')[0]).toContain('name');
    expect(csv.stdout).toContain('billed');
    const bad = await cli.run(['costs', '--month', '2026-13']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--month must be YYYY-MM');
  });
});

describe('keys', () => {
  it('creates a key printed once on stdout alone, lists keys without them, and revokes one at once', async () => {
    const created = await cli.run(['keys', 'create', 'ci', '--scope', 'read,reveal']);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^smk_[a-z0-9]{20}_/);
    expect(created.stderr).toContain('shown this once');
    const id = /^smk_([a-z0-9]{20})_/.exec(key)![1]!;
    const used = await cli.run(['get', 'billed', '--key', 'A'], { env: { SECRETM_API_KEY: key } });
    expect(used.stdout).toBe('1');
    const denied = await cli.run(['set', 'billed', 'A=2'], { env: { SECRETM_API_KEY: key } });
    expect(denied.code).toBe(3);

    const listed = await cli.run(['keys', 'ls']);
    const row = listed.stdout.split('\n').find((line) => line.startsWith(`${id}\t`));
    expect(row?.split('\t').slice(0, 3)).toEqual([id, 'ci', 'read,reveal']);
    expect(listed.stdout).not.toContain(key);

    expect((await cli.run(['keys', 'revoke', id])).code).toBe(0);
    const revoked = await cli.run(['ls'], { env: { SECRETM_API_KEY: key } });
    expect(revoked.code).toBe(3);
    const badScope = await cli.run(['keys', 'create', 'x', '--scope', 'root']);
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toContain('must be one of read, reveal, write, admin');
  });

  it('creates a key under access rules given inline', async () => {
    const created = await cli.run([
      'keys',
      'create',
      'ruled',
      '--scope',
      'read',
      '--rules',
      '[{"effect":"allow","actions":["read"],"secrets":["ci/**"]}]',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'ruled',
      scopes: ['read'],
      rules: [expect.any(Object)],
    });
    const malformed = await cli.run(['keys', 'create', 'x', '--scope', 'read', '--rules', '[oops']);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('--rules must be a JSON array');
  });
});

describe('keys rotate-operator', () => {
  it('replaces the operator key and saves the new one in the profile in use, so the CLI keeps working', async () => {
    const old = cli.api.adminKey;
    expect(
      (
        await cli.run(['login'], {
          profiles: true,
          env: { SECRETM_API_KEY: old, SECRETM_ENDPOINT: cli.api.url },
        })
      ).code,
    ).toBe(0);
    const rotated = await cli.run(['keys', 'rotate-operator', '--json'], { profiles: true });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ id: 'operator', savedIn: { profile: 'default' } });
    expect(rotated.stdout).not.toMatch(/"key"/);
    const saved = JSON.parse(await readFile(cli.configPath, 'utf8')).profiles.default.key;
    expect(saved).not.toBe(old);
    cli.api.adminKey = saved;
    expect((await cli.run(['ls'], { profiles: true })).code).toBe(0);
    expect((await cli.run(['ls'], { env: { SECRETM_API_KEY: old } })).code).toBe(3);
  });
});
