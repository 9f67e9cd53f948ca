/**
 * Local mode's data folder, with secretm running on it: owner-only folders and files, and one secretm
 * at a time (a stale lock taken over, a second start refused, the lock gone when it stops).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalModeError } from '../../local/local-mode-error.ts';
import { type RunningLocal, startLocal } from '../../local/start-local.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'secretm-data-'));
const lockPath = join(dataDir, 'secretm.lock');
let running: RunningLocal;
let stopped = false;

/** The pid of a process that has exited, as a secretm killed with -9 leaves in its lock. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

beforeAll(async () => {
  await writeFile(lockPath, `${await deadPid()}\n`, { mode: 0o600 });
  running = await startLocal({ dataDir, port: 0 });
  const created = await fetch(`${running.url}/v1/secrets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${running.newOperatorKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'kept', type: 'env', data: { A: '1' } }),
  });
  expect(created.status).toBe(201);
}, 120_000);

afterAll(async () => {
  if (!stopped) await running?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("local mode's data folder", () => {
  it('holds only owner-only folders (0700) and files (0600): keys, databases, vault, lock', async () => {
    const modes: Record<string, string> = {};
    const walk = async (path: string, name: string) => {
      const found = await stat(path);
      modes[name] = `${found.isDirectory() ? 'folder' : 'file'} ${(found.mode & 0o777).toString(8)}`;
      if (found.isDirectory()) {
        for (const entry of await readdir(path)) await walk(join(path, entry), `${name}/${entry}`);
      }
    };
    await walk(dataDir, '.');

    expect(modes).toMatchObject({
      '.': 'folder 700',
      './dynamodb': 'folder 700',
      './vault': 'folder 700',
      './dynamodb-credentials.json': 'file 600',
      './secretm.lock': 'file 600',
      './vault/master.key': 'file 600',
    });
    expect(Object.keys(modes).some((name) => name.startsWith('./dynamodb/') && name.endsWith('.db'))).toBe(
      true,
    );
    expect(new Set(Object.values(modes))).toEqual(new Set(['folder 700', 'file 600']));
  });

  it('took over the lock a killed secretm left, and holds it with its own pid', async () => {
    expect(await readFile(lockPath, 'utf8')).toBe(`${process.pid}\n`);
  });

  it('refuses a second start while this one runs', async () => {
    await expect(startLocal({ dataDir, port: 0 })).rejects.toThrow(LocalModeError);
    await expect(startLocal({ dataDir, port: 0 })).rejects.toThrow(
      `another secretm (pid ${process.pid}) is running on ${dataDir}`,
    );
  });

  it('refuses a second `npm start` with one line and exit status 1', async () => {
    const main = fileURLToPath(new URL('../../local/main.ts', import.meta.url));
    const failed = await promisify(execFile)(process.execPath, [main], {
      env: { ...process.env, SECRETM_DATA_DIR: dataDir, PORT: '0', AWS_EC2_METADATA_DISABLED: 'true' },
      timeout: 30_000,
    }).then(
      () => undefined,
      (error: { code?: number; stdout: string; stderr: string }) => error,
    );

    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toBe('');
    expect(failed?.stderr).toBe(
      `secretm: another secretm (pid ${process.pid}) is running on ${dataDir}; stop it first or choose another SECRETM_DATA_DIR (if pid ${process.pid} is not secretm, delete ${lockPath})\n`,
    );
  });

  it('removes its lock when it stops', async () => {
    stopped = true;
    await running.stop();

    await expect(stat(lockPath)).rejects.toThrow(/ENOENT/);
  });
});
