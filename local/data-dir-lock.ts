/**
 * One secretm per data folder: a lock file holding the running process's pid, published whole with a
 * hard link (it exists complete or not at all, and never replaces another). A lock whose process is
 * gone (a crash, a kill -9) is stale and taken over; a live one refuses the start.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { LocalModeError } from './local-mode-error.ts';

export interface DataDirLock {
  /** Removes the lock, if it is still this process's. */
  release(): Promise<void>;
}

const attempts = 5;

export async function lockDataDir(lockPath: string, dataDir: string): Promise<DataDirLock> {
  const mine = `${process.pid}\n`;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await publish(lockPath, mine)) return { release: () => release(lockPath, mine) };
    const held = await readIfPresent(lockPath);
    if (held === undefined) continue;
    const pid = pidIn(held);
    if (pid !== undefined && isAlive(pid)) {
      throw new LocalModeError(
        `another secretm (pid ${pid}) is running on ${dataDir}; stop it first or choose another SECRETM_DATA_DIR (if pid ${pid} is not secretm, delete ${lockPath})`,
      );
    }
    await takeOver(lockPath, held);
  }
  throw new LocalModeError(`could not lock ${dataDir}: other processes keep taking ${lockPath}; try again`);
}

/** Creates the lock with this content, or answers false when one exists. */
async function publish(lockPath: string, content: string): Promise<boolean> {
  const temp = `${lockPath}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, content, { flag: 'wx', mode: 0o600 });
  try {
    await link(temp, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Moves the stale lock aside and removes it. When what was moved is no longer the stale lock (another
 * start took it over meanwhile and holds it now), it is put back for that start.
 */
async function takeOver(lockPath: string, stale: string): Promise<void> {
  const aside = `${lockPath}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if ((await readIfPresent(aside)) !== stale) {
      await link(aside, lockPath).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    }
  } finally {
    await rm(aside, { force: true });
  }
}

async function release(lockPath: string, mine: string): Promise<void> {
  if ((await readIfPresent(lockPath)) === mine) await rm(lockPath, { force: true });
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function pidIn(content: string): number | undefined {
  const pid = Number(content.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
