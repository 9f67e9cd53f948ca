/**
 * The data folder: DynamoDB Local's files, its access key, the local vault and the lock, for its owner
 * only. Folders are created 0700; one that exists with access for group or others, or that belongs to
 * another user, is refused rather than tightened, since what it held may already have been read.
 */
import { chmod, mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LocalModeError } from './local-mode-error.ts';

export interface DataDir {
  root: string;
  /** DynamoDB Local's database files (`-dbPath`). */
  dynamodb: string;
  /** The local vault (`master.key`, `secrets/`). */
  vault: string;
  /** The access key of DynamoDB Local's database (0600). */
  dynamodbCredentials: string;
  /** Held by the running secretm (its pid). */
  lock: string;
  /** What the `secretm` layer needs to read this store (layer-env.ts), rewritten on each start (0600). */
  layerEnv: string;
}

export function dataDirOf(dir: string): DataDir {
  const root = resolve(dir);
  return {
    root,
    dynamodb: join(root, 'dynamodb'),
    vault: join(root, 'vault'),
    dynamodbCredentials: join(root, 'dynamodb-credentials.json'),
    lock: join(root, 'secretm.lock'),
    layerEnv: join(root, 'layer.env'),
  };
}

/** Creates the data folder and its sub-folders owner-only, or checks that existing ones are. */
export async function prepareDataDir(dataDir: DataDir): Promise<void> {
  for (const dir of [dataDir.root, dataDir.dynamodb, dataDir.vault]) await ensurePrivateDir(dir);
}

async function ensurePrivateDir(dir: string): Promise<void> {
  const notAFolder = new LocalModeError(`${dir} is not a folder; choose another SECRETM_DATA_DIR`);
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw notAFolder;
    throw unusable(dir, error);
  }
  // The umask may have taken bits from a folder created just now; it is ours to set.
  if (created !== undefined) await chmod(dir, 0o700);
  const found = await stat(dir).catch((error: unknown) => {
    throw unusable(dir, error);
  });
  if (!found.isDirectory()) throw notAFolder;
  const uid = process.getuid?.();
  if (uid !== undefined && found.uid !== uid) {
    throw new LocalModeError(
      `${dir} belongs to user ${found.uid}, not to you (${uid}); secretm keeps its keys only in a folder of its own user's`,
    );
  }
  if ((found.mode & 0o077) !== 0) {
    const mode = (found.mode & 0o777).toString(8).padStart(4, '0');
    throw new LocalModeError(
      `${dir} has mode ${mode}, so other users may reach secretm's keys and data; make it owner-only (chmod 700 ${dir}) or choose another SECRETM_DATA_DIR`,
    );
  }
}

/** A folder the file system will not let this user create or read: one line, with the reason's code. */
function unusable(dir: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined) return error as Error;
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'EROFS'
        ? 'read-only file system'
        : code === 'ENOSPC'
          ? 'no space left'
          : 'the file system refused';
  return new LocalModeError(
    `cannot create or read ${dir}: ${why} (${code}); choose another SECRETM_DATA_DIR`,
  );
}
