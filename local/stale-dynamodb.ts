/**
 * A DynamoDB Local left running on a data folder's files by a secretm that is gone (one killed before
 * DynamoDB Local ended with its parent, or an older secretm that did not make it): found by its command
 * line (`-dbPath` naming the folder's `dynamodb/`), and stopped before a new one starts on the same
 * files. Called with the folder's lock held, so any such process is stale. Linux (`/proc`) only;
 * elsewhere nothing is found.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LocalModeError } from './local-mode-error.ts';

/** The pids of processes of this user whose `-dbPath` is `dbPath`. */
export async function findDynamoDbOn(dbPath: string): Promise<number[]> {
  const wanted = resolve(dbPath);
  const entries = await readdir('/proc').catch(() => [] as string[]);
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const args = await readFile(`/proc/${entry}/cmdline`, 'utf8')
      .then((text) => text.split('\0'))
      .catch(() => undefined);
    const at = args?.indexOf('-dbPath') ?? -1;
    const given = at >= 0 ? args?.[at + 1] : undefined;
    if (given === undefined) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '/');
    if (resolve(cwd, given) === wanted) found.push(Number(entry));
  }
  return found;
}

/**
 * Stops every DynamoDB Local on `dbPath` (SIGTERM, then SIGKILL after `graceMs`) and waits until each
 * is gone; answers their pids. A process that cannot be stopped fails the start in one line.
 */
export async function stopStaleDynamoDb(dbPath: string, graceMs = 5_000): Promise<number[]> {
  const pids = await findDynamoDbOn(dbPath);
  await Promise.all(pids.map((pid) => stopProcess(pid, graceMs)));
  return pids;
}

async function stopProcess(pid: number, graceMs: number): Promise<void> {
  if (!signal(pid, 'SIGTERM')) return;
  const killAt = Date.now() + graceMs;
  const giveUpAt = killAt + 5_000;
  let killed = false;
  while (isAlive(pid)) {
    if (!killed && Date.now() >= killAt) {
      signal(pid, 'SIGKILL');
      killed = true;
    }
    if (Date.now() >= giveUpAt) {
      throw new LocalModeError(
        `a DynamoDB Local (pid ${pid}) left running on this data folder by an earlier secretm does not stop; stop it (kill -9 ${pid}) and start again`,
      );
    }
    await new Promise((done) => setTimeout(done, 50));
  }
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw new LocalModeError(
      `a DynamoDB Local (pid ${pid}) is running on this data folder and this user may not stop it (${(error as NodeJS.ErrnoException).code})`,
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (ended, not yet reaped by its parent) holds no port and no file.
  return stateOf(pid) !== 'Z';
}

/** The state letter of /proc/PID/stat ("PID (COMM) S …"; COMM may hold spaces and parentheses). */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}
