/** One secretm per data folder: a live lock refuses a second start, a stale one is taken over. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../local/data-dir-lock.ts';
import { LocalModeError } from '../../local/local-mode-error.ts';

let dataDir: string;
let lockPath: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'secretm-lock-'));
  lockPath = join(dataDir, 'secretm.lock');
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the data folder lock', () => {
  it("holds this process's pid, owner-only, and is removed on release", async () => {
    const lock = await lockDataDir(lockPath, dataDir);

    expect(await readFile(lockPath, 'utf8')).toBe(`${process.pid}\n`);
    expect((await stat(lockPath)).mode & 0o777).toBe(0o600);
    await lock.release();
    await expect(stat(lockPath)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a second holder while the first one lives, saying which process holds it', async () => {
    const first = await lockDataDir(lockPath, dataDir);

    const second = lockDataDir(lockPath, dataDir);

    await expect(second).rejects.toThrow(LocalModeError);
    await expect(second).rejects.toThrow(
      `another secretm (pid ${process.pid}) is running on ${dataDir}; stop it first or choose another SECRETM_DATA_DIR`,
    );
    await first.release();
  });

  it('lets exactly one of two simultaneous starts in', async () => {
    const outcomes = await Promise.allSettled([
      lockDataDir(lockPath, dataDir),
      lockDataDir(lockPath, dataDir),
    ]);

    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    for (const outcome of outcomes) if (outcome.status === 'fulfilled') await outcome.value.release();
  });

  it('takes over a lock whose process is gone', async () => {
    await writeFile(lockPath, `${await deadPid()}\n`, { mode: 0o600 });

    const lock = await lockDataDir(lockPath, dataDir);

    expect(await readFile(lockPath, 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
  });

  it('takes over a lock that holds no pid', async () => {
    await writeFile(lockPath, 'not a pid', { mode: 0o600 });

    const lock = await lockDataDir(lockPath, dataDir);

    expect(await readFile(lockPath, 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
  });

  it('leaves a lock alone on release once it is no longer this process’s', async () => {
    const lock = await lockDataDir(lockPath, dataDir);
    await writeFile(lockPath, '999999999\n');

    await lock.release();

    expect(await readFile(lockPath, 'utf8')).toBe('999999999\n');
  });
});
