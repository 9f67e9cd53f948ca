/**
 * The CLI as it is published: `npm pack` of the bundle (cli/build.ts) installs globally with nothing
 * else (offline: the package has no dependencies), and its `secretm` talks to local mode.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, packCli } from '../../cli/build.ts';
import { type LocalApi, startLocalApi } from '../local/local-fixture.ts';

const run = promisify(execFile);
let api: LocalApi;
let work: string;

beforeAll(async () => {
  [api, work] = await Promise.all([startLocalApi(), mkdtemp(join(tmpdir(), 'secretm-cli-pack-'))]);
});
afterAll(async () => {
  await api?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('the packed CLI', () => {
  it('installs with `npm i -g` from its tarball alone and runs as `secretm`', async () => {
    const tarball = await packCli(await buildCli(join(work, 'build')), work);
    expect(tarball).toMatch(/secretm-cli-\d+\.\d+\.\d+\.tgz$/);
    const prefix = join(work, 'global');
    await run(
      'npm',
      ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball],
      {
        cwd: work,
      },
    );
    const secretm = join(prefix, 'bin', 'secretm');
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: work,
      SECRETM_ENDPOINT: api.url,
      SECRETM_API_KEY: api.adminKey,
    };
    const { stdout: version } = await run(secretm, ['--version'], { env });
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    await run(secretm, ['set', 'packed', 'A=1'], { env });
    const { stdout: listed } = await run(secretm, ['ls'], { env });
    expect(listed).toMatch(/^packed\tenv\t1\tlocal\t/);
  }, 120_000);
});
