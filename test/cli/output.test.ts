/**
 * Output for people and for scripts: tables, colour and ✓ lines on a terminal; plain rows when piped;
 * `--json` for data and for errors; exit codes 1–5 with the API's message and request id; help.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, closedEndpoint, startCli } from './cli-fixture.ts';

let cli: CliFixture;

beforeAll(async () => {
  cli = await startCli();
  await cli.api.request('POST', '/v1/secrets', {
    body: { name: 'team/app', type: 'env', data: { LOG_LEVEL: 'debug', TOKEN: 'tok-123' } },
  });
});
afterAll(async () => {
  await cli?.stop();
});

describe('on a terminal', () => {
  it('lists secrets as a table under a header, and values as KEY VALUE rows', async () => {
    const listed = await cli.runInTerminal(['ls'], { env: { NO_COLOR: '1' } });
    expect(listed.code).toBe(0);
    const [header, row] = listed.stdout.trim().split('\n');
    expect(header).toMatch(/^NAME +TYPE +VERSION +CONNECTION +UPDATED$/);
    expect(row).toMatch(/^team\/app +env +1 +local +\d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(header!.indexOf('TYPE')).toBe(row!.indexOf('env'));
    const value = await cli.runInTerminal(['get', 'team/app'], { env: { NO_COLOR: '1' } });
    expect(value.stdout.trim().split('\n')).toEqual([
      'KEY        VALUE',
      'LOG_LEVEL  debug',
      'TOKEN      tok-123',
    ]);
  });

  it('says what it did with a ✓ line, and colours errors unless NO_COLOR', async () => {
    const set = await cli.runInTerminal(['set', 'team/app', 'LOG_LEVEL=info']);
    expect(set.stdout).toMatch(/✓.* Set 1 key\(s\) on team\/app \(version 2\)/);
    const missing = await cli.runInTerminal(['get', 'team/nope']);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('\u001b[31merror:\u001b[39m');
    const plain = await cli.runInTerminal(['get', 'team/nope'], { env: { NO_COLOR: '1' } });
    expect(plain.stdout).not.toContain('\u001b[');
  });

  it('asks for the key at a hidden prompt on login and never shows it', async () => {
    const login = await cli.runInTerminal(['login', '--endpoint', cli.api.url, '--profile', 'typed'], {
      profiles: true,
      input: `${cli.api.adminKey}\r`,
      inputAfter: 'API key',
    });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('API key');
    expect(login.stdout).toContain('Logged in to');
    expect(login.stdout).not.toContain(cli.api.adminKey);
    const config = JSON.parse(await readFile(cli.configPath, 'utf8'));
    expect(config.profiles.typed).toEqual({ endpoint: cli.api.url, key: cli.api.adminKey });
  });
});

describe('for scripts', () => {
  it('prints nothing but data when piped, and JSON with --json', async () => {
    const set = await cli.run(['set', 'team/app', 'LOG_LEVEL=warn']);
    expect(set).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const listed = await cli.run(['ls', '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { name: 'team/app', type: 'env', keys: ['LOG_LEVEL', 'TOKEN'] },
    ]);
  });

  it('prints an API error as JSON on stderr with --json: message, exit code, status, code and request id', async () => {
    const missing = await cli.run(['get', 'team/nope', '--json']);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    const error = JSON.parse(missing.stderr).error;
    expect(error).toMatchObject({
      exitCode: 2,
      status: 404,
      code: expect.any(String),
      requestId: expect.any(String),
    });
    expect(error.message).toContain('team/nope');
  });

  it('exits 1 on a usage mistake, naming the help to read, before any request', async () => {
    const unknown = await cli.run(['get'], { env: { SECRETM_ENDPOINT: await closedEndpoint() } });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("missing required argument 'name'");
    expect(unknown.stderr).toContain('see `secretm help get`');
    const badNumber = await cli.run(['get', 'team/app', '--version', 'two']);
    expect(badNumber.code).toBe(1);
    expect(badNumber.stderr).toContain('must be a whole number');
    const typo = await cli.run(['lss']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('(Did you mean ls?)');
  });
});

describe('help', () => {
  it('prints the version, every command, and each command’s help', async () => {
    const version = await cli.run(['--version']);
    const { version: expected } = JSON.parse(
      await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
    );
    expect(version).toMatchObject({ code: 0, stdout: `${expected}\n` });
    const help = await cli.run(['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'login',
      'whoami',
      'ls',
      'get',
      'set',
      'edit',
      'rm',
      'restore',
      'versions',
      'rollback',
      'clone',
      'import',
      'export',
      'render',
      'rotate',
      'run',
      'connections',
      'costs',
      'keys',
      'completion',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(help.stdout).toContain('Exit codes: 0 ok, 1 usage');
    const run = await cli.run(['help', 'run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: secretm run [options] <command...>');
    expect(run.stdout).toContain('--override');
    const nested = await cli.run(['help', 'keys', 'create']);
    expect(nested.stdout).toContain('Usage: secretm keys create [options] <name>');
  });
});
