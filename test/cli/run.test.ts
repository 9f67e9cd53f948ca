/**
 * `secretm run`: the command gets the secrets in its environment and a binding's files on disk, its exit
 * code and signals pass through, nothing with a value is left behind or printed, and `--watch`
 * restarts it on a new version.
 */
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, startCli } from './cli-fixture.ts';

let cli: CliFixture;
const password = 'pw-7f3a9c-never-printed';
const certificate = '-----BEGIN CERTIFICATE-----\nMIIB-test\n-----END CERTIFICATE-----\n';

beforeAll(async () => {
  cli = await startCli();
  await cli.api.request('POST', '/v1/secrets', {
    body: { name: 'app/db', type: 'env', data: { DB_PASSWORD: password, DB_HOST: 'db.internal' } },
  });
  await cli.api.request('POST', '/v1/secrets', {
    body: {
      name: 'app/tls',
      type: 'file',
      file: { content: certificate, filename: 'cert.pem', mode: '0640', mountPath: '/etc/app' },
    },
  });
  const bound = await cli.api.request('PUT', '/v1/bindings/checkout', {
    body: {
      entries: [
        { name: 'PASSWORD', secret: 'app/db', key: 'DB_PASSWORD' },
        { name: 'tls', secret: 'app/tls' },
      ],
    },
  });
  expect(bound.status, bound.text).toBe(200);
});
afterAll(async () => {
  await cli?.stop();
});

/** A shell command, for the CLI to run. */
const sh = (script: string) => ['sh', '-c', script];

describe('the environment', () => {
  it('gives the command the secret’s keys, printing no value of its own', async () => {
    const out = join(cli.home, 'env-out');
    const result = await cli.run([
      'run',
      '--secret',
      'app/db',
      '--',
      ...sh(`printf '%s|%s' "$DB_PASSWORD" "$DB_HOST" > ${out}`),
    ]);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await readFile(out, 'utf8')).toBe(`${password}|db.internal`);
  });

  it('keeps variables already set unless --override, naming them but not their values', async () => {
    const kept = await cli.run(['run', '-s', 'app/db', '--', ...sh('printf %s "$DB_HOST"')], {
      env: { DB_HOST: 'mine' },
    });
    expect(kept.stdout).toBe('mine');
    expect(kept.stderr).toContain('kept DB_HOST from the environment');
    expect(kept.stderr).not.toContain('db.internal');
    const replaced = await cli.run(
      ['run', '-s', 'app/db', '--override', '--', ...sh('printf %s "$DB_HOST"')],
      {
        env: { DB_HOST: 'mine' },
      },
    );
    expect(replaced).toMatchObject({ stdout: 'db.internal', stderr: '' });
  });

  it('passes the command’s own options through untouched, and fails before starting it when a secret is missing', async () => {
    const echoed = await cli.run([
      'run',
      '-s',
      'app/db',
      '--',
      'sh',
      '-c',
      'echo "$@"',
      'sh',
      '--json',
      '-s',
      'x',
    ]);
    expect(echoed).toMatchObject({ code: 0, stdout: '--json -s x\n' });
    const marker = join(cli.home, 'started');
    const missing = await cli.run(['run', '-s', 'app/nope', '--', ...sh(`touch ${marker}`)]);
    expect(missing.code).toBe(2);
    await expect(stat(marker)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('exit codes and signals', () => {
  it('exits with the command’s exit code, 127 when there is no such command', async () => {
    expect((await cli.run(['run', '-s', 'app/db', '--', ...sh('exit 7')])).code).toBe(7);
    expect((await cli.run(['run', '-s', 'app/db', '--', 'true'])).code).toBe(0);
    const absent = await cli.run(['run', '-s', 'app/db', '--', 'no-such-command-here']);
    expect(absent.code).toBe(127);
    expect(absent.stderr).toContain('command not found');
  });

  it('forwards a signal to the command and exits with what the command made of it', async () => {
    const ready = join(cli.home, 'trap-ready');
    const { child, result } = cli.start([
      'run',
      '-s',
      'app/db',
      '--',
      ...sh(`trap 'exit 42' TERM; touch ${ready}; while :; do sleep 0.1; done`),
    ]);
    await until(() => exists(ready));
    child.kill('SIGTERM');
    expect(await result).toMatchObject({ code: 42, signal: null });
  });

  it('ends by the same signal as the command when the command is killed by one', async () => {
    const result = await cli.run(['run', '-s', 'app/db', '--', ...sh('kill -TERM $$')]);
    expect(result).toMatchObject({ code: null, signal: 'SIGTERM' });
  });
});

describe('files', () => {
  it('writes a binding’s files to a private folder named by SECRETM_FILES_DIR, and removes it after', async () => {
    const out = join(cli.home, 'files-out');
    const result = await cli.run([
      'run',
      '--binding',
      'checkout',
      '--',
      ...sh(
        `{ echo "$SECRETM_FILES_DIR"; stat -c %a "$SECRETM_FILES_DIR" "$SECRETM_FILES_DIR/etc/app/cert.pem"; cat "$SECRETM_FILES_DIR/etc/app/cert.pem"; printf %s "$PASSWORD"; } > ${out}`,
      ),
    ]);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const [folder, folderMode, fileMode, ...rest] = (await readFile(out, 'utf8')).split('\n');
    expect(folder).toMatch(new RegExp(`^${tmpdir()}/secretm-run-`));
    expect([folderMode, fileMode]).toEqual(['700', '640']);
    expect(rest.join('\n')).toBe(`${certificate}${password}`);
    await expect(stat(folder!)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('removes the files when the command is stopped by a signal, and never puts a value on a command line', async () => {
    const out = join(cli.home, 'files-dir');
    const { child, result } = cli.start([
      'run',
      '-b',
      'checkout',
      '--',
      ...sh(`echo "$SECRETM_FILES_DIR" > ${out}; exec sleep 30`),
    ]);
    await until(() => exists(out));
    const folder = (await readFile(out, 'utf8')).trim();
    expect(await readFile(join(folder, 'etc/app/cert.pem'), 'utf8')).toBe(certificate);
    const commandLines = await Promise.all(
      [child.pid!, ...(await childrenOf(child.pid!))].map((pid) => readFile(`/proc/${pid}/cmdline`, 'utf8')),
    );
    expect(commandLines.join(' ')).toContain('sleep');
    expect(commandLines.join(' ')).not.toContain(password);
    child.kill('SIGINT');
    expect(await result).toMatchObject({ signal: 'SIGINT' });
    await expect(stat(folder)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes the files at their mount paths with --mount-files, then removes them and the folders it made', async () => {
    const root = await mkdtemp(join(tmpdir(), 'secretm-mount-'));
    await cli.api.request('PUT', '/v1/bindings/mounted', {
      body: { entries: [{ name: 'tls', secret: 'app/tls', mountPath: `${root}/conf/tls` }] },
    });
    const result = await cli.run([
      'run',
      '-b',
      'mounted',
      '--mount-files',
      '--',
      ...sh(`cat ${root}/conf/tls/cert.pem`),
    ]);
    expect(result).toMatchObject({ code: 0, stdout: certificate });
    await expect(stat(join(root, 'conf'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(root)).resolves.toBeTruthy();
  });

  it('renders a template to a file for the command, and removes it after', async () => {
    const template = join(cli.home, 'db.tpl');
    await writeFile(
      template,
      'url: postgres://app:{{secrets.app/db.DB_PASSWORD}}@{{secrets.app/db.DB_HOST}}\n',
    );
    const rendered = join(cli.home, 'db.yml');
    const result = await cli.run(['run', '-t', `${template}:${rendered}`, '--', 'cat', rendered]);
    expect(result).toMatchObject({
      code: 0,
      stdout: `url: postgres://app:${password}@db.internal\n`,
      stderr: '',
    });
    await expect(stat(rendered)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('--watch', () => {
  it('restarts the command with the new value when the secret gets a new version', async () => {
    const log = join(cli.home, 'watch-log');
    const { child, result } = cli.start(
      [
        'run',
        '-s',
        'app/db',
        '--watch',
        '--watch-interval',
        '200ms',
        '--',
        ...sh(`echo "$DB_HOST" >> ${log}; exec sleep 30`),
      ],
      { timeoutMs: 60_000 },
    );
    await until(() => exists(log));
    const patched = await cli.api.request('PATCH', '/v1/secrets/app%252Fdb', {
      body: { set: { DB_HOST: 'db2.internal' } },
    });
    expect(patched.status).toBe(200);
    await until(async () => (await readFile(log, 'utf8')).includes('db2.internal'));
    child.kill('SIGTERM');
    const ended = await result;
    expect(await readFile(log, 'utf8')).toBe('db.internal\ndb2.internal\n');
    expect(ended.stderr).toContain('app/db changed (version 1 → 2); restarting sh');
    expect(ended.stderr).not.toContain(password);
    expect(ended.signal).toBe('SIGTERM');
  });

  it('needs something to watch', async () => {
    const result = await cli.run(['run', '--watch', '--', 'true']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--watch needs --secret or --binding');
  });
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function childrenOf(pid: number): Promise<number[]> {
  const direct = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8'))
    .split(' ')
    .filter(Boolean)
    .map(Number);
  const deeper = await Promise.all(direct.map((child) => childrenOf(child)));
  return [...direct, ...deeper.flat()];
}
