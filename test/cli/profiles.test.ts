/** Profiles: `login` (key from stdin or SECRETM_API_KEY, checked, saved 0600), `whoami`, `--profile`, `SECRETM_PROFILE`, `logout`. */
import { chmod, readFile, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, closedEndpoint, startCli } from './cli-fixture.ts';

let cli: CliFixture;
let readerKey: string;
let readerId: string;

beforeAll(async () => {
  cli = await startCli();
  const reader = await cli.api.request('POST', '/v1/api-keys', {
    body: { name: 'reader', scopes: ['read', 'admin'] },
  });
  readerKey = reader.json.key;
  readerId = reader.json.id;
});
afterAll(async () => {
  await cli?.stop();
});

describe('login', () => {
  it('reads the key from stdin, checks it, and saves the profile in a file only its owner may read', async () => {
    const login = await cli.run(['login', '--endpoint', cli.api.url], {
      profiles: true,
      input: `${cli.api.adminKey}\n`,
    });
    expect(login.code).toBe(0);
    expect(login.stdout).toBe('');
    expect(login.stderr).not.toContain(cli.api.adminKey);
    expect((await stat(cli.configPath)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(cli.configPath, 'utf8'))).toEqual({
      defaultProfile: 'default',
      profiles: { default: { endpoint: cli.api.url, key: cli.api.adminKey } },
    });
    const listed = await cli.run(['ls'], { profiles: true });
    expect(listed).toMatchObject({ code: 0 });
  });

  it('takes the key from SECRETM_API_KEY into a named profile, and --profile or SECRETM_PROFILE selects it', async () => {
    const login = await cli.run(['login', '--endpoint', cli.api.url, '--profile', 'reader'], {
      profiles: true,
      env: { SECRETM_API_KEY: readerKey },
    });
    expect(login.code).toBe(0);
    const byFlag = await cli.run(['whoami', '--profile', 'reader', '--json'], { profiles: true });
    expect(JSON.parse(byFlag.stdout)).toMatchObject({
      profile: 'reader',
      endpoint: cli.api.url,
      keyId: readerId,
      keyFrom: 'profile',
      scopes: ['read', 'admin'],
      canReadSecrets: true,
    });
    expect(byFlag.stdout).not.toContain(readerKey);
    const byEnv = await cli.run(['whoami', '--json'], { profiles: true, env: { SECRETM_PROFILE: 'reader' } });
    expect(JSON.parse(byEnv.stdout)).toMatchObject({ profile: 'reader', keyId: readerId });
    const plain = await cli.run(['whoami'], { profiles: true });
    expect(plain.stdout).toContain('key\tthe operator key');
    expect(plain.stdout).not.toContain(cli.api.adminKey);
  });

  it('shows the tenant, scopes, rules and expiry of a key without admin too, as the API says them (GET /v1/me)', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const rules = [{ actions: ['reveal'], secrets: ['ci/**'], effect: 'allow' }];
    const made = await cli.api.request('POST', '/v1/api-keys', {
      body: { name: 'ci', scopes: ['reveal'], rules, expiresAt },
    });

    const json = await cli.run(['whoami', '--json'], { env: { SECRETM_API_KEY: made.json.key } });
    const plain = await cli.run(['whoami'], { env: { SECRETM_API_KEY: made.json.key } });

    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      keyId: made.json.id,
      name: 'ci',
      tenant: 'default',
      scopes: ['reveal'],
      rules,
      expiresAt,
      operator: false,
      canReadSecrets: false,
    });
    expect(plain.stdout).toContain('scopes\treveal');
    expect(plain.stdout).toContain('reads secrets\tno');
    expect(plain.stdout).not.toContain(made.json.key);
  });

  it('lets SECRETM_ENDPOINT and SECRETM_API_KEY override any profile (CI)', async () => {
    const ci = await cli.run(['whoami', '--profile', 'reader', '--json'], {
      profiles: true,
      env: { SECRETM_API_KEY: cli.api.adminKey, SECRETM_ENDPOINT: cli.api.url },
    });
    expect(JSON.parse(ci.stdout)).toMatchObject({
      keyFrom: 'SECRETM_API_KEY',
      endpointFrom: 'SECRETM_ENDPOINT',
      operator: true,
    });
  });

  it('saves nothing when the API refuses the key (exit 3), or when no key is given (exit 1)', async () => {
    const before = await readFile(cli.configPath, 'utf8');
    const refused = await cli.run(['login', '--endpoint', cli.api.url, '--profile', 'bad'], {
      profiles: true,
      input: 'smk_aaaaaaaaaaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n',
    });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('refused the key');
    expect(refused.stderr).toContain('nothing was saved');
    expect(refused.stderr).not.toContain('bbbbbbbbbbbbbbbbbbbb');
    const empty = await cli.run(['login', '--endpoint', cli.api.url, '--profile', 'bad'], {
      profiles: true,
      input: '',
    });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('no API key given');
    const down = await cli.run(['login', '--endpoint', await closedEndpoint(), '--profile', 'bad'], {
      profiles: true,
      input: `${cli.api.adminKey}\n`,
    });
    expect(down.code).toBe(5);
    expect(await readFile(cli.configPath, 'utf8')).toBe(before);
  });

  it('has no way to take the key as an argument', async () => {
    const argument = await cli.run(['login', cli.api.adminKey], { profiles: true });
    expect(argument.code).toBe(1);
    expect(argument.stderr).toContain('too many arguments');
    const option = await cli.run(['login', '--key', cli.api.adminKey], { profiles: true });
    expect(option.code).toBe(1);
    expect(option.stderr).toContain("unknown option '--key'");
  });
});

describe('profiles in use', () => {
  it('says how to log in when there is no profile, naming the one asked for', async () => {
    const missing = await cli.run(['ls', '--profile', 'staging'], { profiles: true });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('there is no profile staging');
    expect(missing.stderr).toContain('secretm login --profile staging');
  });

  it('refuses a config file that others may read, and says how to fix it', async () => {
    await chmod(cli.configPath, 0o644);
    const refused = await cli.run(['ls'], { profiles: true });
    await chmod(cli.configPath, 0o600);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('may be read by others');
    expect(refused.stderr).toContain(`chmod 600 ${cli.configPath}`);
  });

  it('forgets a profile on logout, keeping the others', async () => {
    const out = await cli.run(['logout', '--profile', 'reader', '--json'], { profiles: true });
    expect(JSON.parse(out.stdout)).toEqual({ profile: 'reader', removed: true });
    const config = JSON.parse(await readFile(cli.configPath, 'utf8'));
    expect(Object.keys(config.profiles)).toEqual(['default']);
    expect((await stat(cli.configPath)).mode & 0o777).toBe(0o600);
    expect((await cli.run(['logout', '--profile', 'reader'], { profiles: true })).code).toBe(1);
  });
});
