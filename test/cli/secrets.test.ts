/** The secrets commands, each run as the built CLI against local mode: their main path and their errors. */
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, closedEndpoint, startCli } from './cli-fixture.ts';

let cli: CliFixture;

beforeAll(async () => {
  cli = await startCli();
});
afterAll(async () => {
  await cli?.stop();
});

describe('set and get', () => {
  it('creates a secret from KEY=VALUE, merges later keys into new versions, and prints values', async () => {
    const created = await cli.run(['set', 'payments/prod/db', 'DB_HOST=db.internal', 'DB_PASSWORD=s3cr#t']);
    expect(created).toMatchObject({ code: 0, stdout: '' });
    const merged = await cli.run(['set', 'payments/prod/db', 'DB_USER=app', '--json']);
    expect(merged.code).toBe(0);
    expect(JSON.parse(merged.stdout)).toMatchObject({
      name: 'payments/prod/db',
      version: 2,
      keys: ['DB_HOST', 'DB_PASSWORD', 'DB_USER'],
    });

    const one = await cli.run(['get', 'payments/prod/db', '--key', 'DB_PASSWORD']);
    expect(one).toMatchObject({ code: 0, stdout: 's3cr#t' });
    const piped = await cli.run(['get', 'payments/prod/db']);
    expect(piped.stdout).toBe('DB_HOST\tdb.internal\nDB_PASSWORD\ts3cr#t\nDB_USER\tapp\n');
    const dotenv = await cli.run(['get', 'payments/prod/db', '--format', 'dotenv']);
    expect(dotenv.stdout).toContain('DB_PASSWORD=');
    expect(dotenv.stdout).toContain('s3cr#t');
    const json = await cli.run(['get', 'payments/prod/db', '--version', '1', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      name: 'payments/prod/db',
      version: 1,
      data: { DB_HOST: 'db.internal', DB_PASSWORD: 's3cr#t' },
    });
  });

  it('replaces the whole value from a .env file or stdin, guarded by --if-version', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'secretm-cli-env-'));
    await writeFile(join(folder, '.env'), '# app\nexport A=1\nB="two words"\n');
    expect((await cli.run(['set', 'app', '--from-file', join(folder, '.env')])).code).toBe(0);
    const stale = await cli.run(['set', 'app', '-', '--if-version', '7'], { input: 'C=3\n' });
    expect(stale.code).toBe(4);
    expect(stale.stderr).toMatch(/error: .*request id: /s);
    const fresh = await cli.run(['set', 'app', '-', '--if-version', '1', '--json'], { input: 'C=3\n' });
    expect(JSON.parse(fresh.stdout)).toMatchObject({ version: 2, keys: ['C'] });
  });

  it('refuses what the API refuses with its message, and a KEY=VALUE without its key without echoing it', async () => {
    const bad = await cli.run(['set', 'app2', 'not-a-key=1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('environment variable name');
    const noKey = await cli.run(['set', 'app2', 'hunter2']);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('argument 2 is not KEY=VALUE');
    expect(noKey.stderr).not.toContain('hunter2');
    const dotenv = await cli.run(['set', 'app2', '-'], { input: 'this is not dotenv\n' });
    expect(dotenv.code).toBe(1);
    expect(dotenv.stderr).toMatch(/error: dotenv:1: .*\n {2}request id: /);
    expect(dotenv.stderr).not.toContain('this is not dotenv');
  });

  it('answers a missing secret or key with exit 2, and a key without scope with exit 3', async () => {
    const missing = await cli.run(['get', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/error: .*nope/);
    const noKey = await cli.run(['get', 'payments/prod/db', '--key', 'NOPE']);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('its keys: DB_HOST, DB_PASSWORD, DB_USER');
    const reader = await cli.api.request('POST', '/v1/api-keys', {
      body: { name: 'reader', scopes: ['read'] },
    });
    const forbidden = await cli.run(['get', 'payments/prod/db'], {
      env: { SECRETM_API_KEY: reader.json.key },
    });
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toContain('reveal');
    const wrongKey = await cli.run(['ls'], {
      env: { SECRETM_API_KEY: 'smk_aaaaaaaaaaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' },
    });
    expect(wrongKey.code).toBe(3);
    expect(wrongKey.stderr).toContain('secretm login');
  });

  it('says the endpoint cannot be reached with exit 5', async () => {
    const down = await cli.run(['ls'], { env: { SECRETM_ENDPOINT: await closedEndpoint() } });
    expect(down.code).toBe(5);
    expect(down.stderr).toMatch(/could not reach .*ECONNREFUSED/);
  });
});

describe('ls, versions, rollback, clone, rm and restore', () => {
  it('lists secrets under a prefix and with tags, as tab-separated rows when piped', async () => {
    await cli.api.request('POST', '/v1/secrets', {
      body: {
        name: 'payments/prod/api',
        type: 'env',
        data: { K: 'v' },
        tags: { team: 'payments', tier: 'gold' },
      },
    });
    const rows = await cli.run(['ls', '--prefix', 'payments/']);
    expect(rows.code).toBe(0);
    expect(
      rows.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('\t').slice(0, 3)),
    ).toEqual([
      ['payments/prod/api', 'env', '1'],
      ['payments/prod/db', 'env', '2'],
    ]);
    const tagged = await cli.run(['ls', '--tag', 'team=payments', '--tag', 'tier', '--json']);
    expect(JSON.parse(tagged.stdout).map((item: { name: string }) => item.name)).toEqual([
      'payments/prod/api',
    ]);
  });

  it('lists versions, rolls back to one as a new version, and clones', async () => {
    expect((await cli.run(['versions', 'nope'])).code).toBe(2);
    expect((await cli.run(['rollback', 'payments/prod/db', '--to', '99'])).code).toBe(2);
    const versions = await cli.run(['versions', 'payments/prod/db']);
    expect(versions.stdout.split('\n')[0]).toMatch(/^2\tpatch\tDB_HOST,DB_PASSWORD,DB_USER\t.*\tcurrent$/);
    const rolled = await cli.run(['rollback', 'payments/prod/db', '--to', '1', '--json']);
    expect(JSON.parse(rolled.stdout)).toMatchObject({ version: 3, keys: ['DB_HOST', 'DB_PASSWORD'] });
    const stale = await cli.run(['rollback', 'payments/prod/db', '--to', '1', '--if-version', '2']);
    expect(stale.code).toBe(4);
    const cloned = await cli.run(['clone', 'payments/prod/db', 'payments/staging/db', '--json']);
    expect(JSON.parse(cloned.stdout)).toMatchObject({ name: 'payments/staging/db', version: 1 });
    const exists = await cli.run(['clone', 'payments/prod/db', 'payments/staging/db']);
    expect(exists.code).toBe(4);
  });

  it('deletes with a recovery window, restores, and deletes at once only when confirmed', async () => {
    const deleted = await cli.run(['rm', 'payments/staging/db', '--json']);
    expect(JSON.parse(deleted.stdout)).toMatchObject({
      name: 'payments/staging/db',
      deletionDate: expect.any(String),
    });
    expect((await cli.run(['get', 'payments/staging/db'])).code).toBe(4);
    expect((await cli.run(['restore', 'payments/staging/db'])).code).toBe(0);
    const unconfirmed = await cli.run(['rm', 'payments/staging/db', '--force']);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain('--yes');
    expect((await cli.run(['rm', 'payments/staging/db', '--force', '--yes'])).code).toBe(0);
    expect((await cli.run(['get', 'payments/staging/db'])).code).toBe(2);
  });
});

describe('edit', () => {
  it('opens $EDITOR on the dotenv view and saves the edit as a new version, leaving no file behind', async () => {
    const editor = join(cli.home, 'editor.sh');
    await writeFile(editor, '#!/bin/sh\necho "$1" > "$HOME/edited-path"\nsed -i "s/^K=.*/K=edited/" "$1"\n');
    await chmod(editor, 0o755);
    const edited = await cli.run(['edit', 'payments/prod/api'], { env: { EDITOR: editor } });
    expect(edited).toMatchObject({ code: 0, stdout: '' });
    expect((await cli.run(['get', 'payments/prod/api', '--key', 'K'])).stdout).toBe('edited');
    const path = (await readFile(join(cli.home, 'edited-path'), 'utf8')).trim();
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' });

    const unchanged = await cli.run(['edit', 'payments/prod/api', '--json'], { env: { EDITOR: 'true' } });
    expect(JSON.parse(unchanged.stdout)).toMatchObject({ changed: false, version: 2 });
    const failed = await cli.run(['edit', 'payments/prod/api'], { env: { EDITOR: 'false' } });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('nothing was saved');
  });

  it('does not overwrite a change made while the editor was open (exit 4)', async () => {
    const editor = join(cli.home, 'racing-editor.sh');
    await writeFile(
      editor,
      `#!/bin/sh\nsed -i "s/^K=.*/K=mine/" "$1"\ncurl -s -o /dev/null -X PATCH -H "Authorization: Bearer $RACE_KEY" -H 'Content-Type: application/json' "$RACE_URL/v1/secrets/payments%252Fprod%252Fapi" -d '{"set":{"K":"theirs"}}'\n`,
    );
    await chmod(editor, 0o755);
    const raced = await cli.run(['edit', 'payments/prod/api'], {
      env: { EDITOR: editor, RACE_KEY: cli.api.adminKey, RACE_URL: cli.api.url },
    });
    expect(raced.code).toBe(4);
    expect(raced.stderr).toContain('changed while you were editing');
    expect((await cli.run(['get', 'payments/prod/api', '--key', 'K'])).stdout).toBe('theirs');
  });
});

describe('export and render', () => {
  it('exports secrets as one environment: dotenv, JSON, and a Kubernetes Secret', async () => {
    const dotenv = await cli.run(['export', 'payments/prod/db', 'payments/prod/api']);
    expect(dotenv.code).toBe(0);
    expect(dotenv.stdout).toMatch(/^DB_HOST=db\.internal$/m);
    expect(dotenv.stdout).toMatch(/^K=/m);
    const json = await cli.run(['export', 'payments/prod/db', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual({ DB_HOST: 'db.internal', DB_PASSWORD: 's3cr#t' });
    const k8s = JSON.parse((await cli.run(['export', 'payments/prod/db', '--format', 'k8s'])).stdout);
    const missing = await cli.run(['export', 'payments/prod/db', 'nope']);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(k8s).toMatchObject({ kind: 'Secret', metadata: { name: 'payments-prod-db' } });
    expect(Buffer.from(k8s.data.DB_PASSWORD, 'base64').toString()).toBe('s3cr#t');
  });

  it('renders a template file, to stdout or to a file of mode 0600', async () => {
    const template = join(cli.home, 'config.tpl');
    await writeFile(template, 'host: {{secrets.payments/prod/db.DB_HOST}}\n');
    expect((await cli.run(['render', template])).stdout).toBe('host: db.internal\n');
    const out = join(cli.home, 'config.yml');
    expect((await cli.run(['render', template, '-o', out])).code).toBe(0);
    expect(await readFile(out, 'utf8')).toBe('host: db.internal\n');
    const missing = await cli.run(['render', join(cli.home, 'nope.tpl')]);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toContain('cannot read');
  });
});

describe('rotate', () => {
  it('rotates now and says what happened; a secret with no rotation is refused with the API’s reason', async () => {
    await cli.api.request('PUT', '/v1/secrets/payments%252Fprod%252Fapi/rotation', {
      body: { schedule: 'rate(30 days)', strategy: 'random', options: { keys: ['K'] } },
    });
    const rotated = await cli.run(['rotate', 'payments/prod/api', '--json']);
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ name: 'payments/prod/api', outcome: 'rotated' });
    const plain = await cli.run(['rotate', 'app']);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/error: /);
  });
});
