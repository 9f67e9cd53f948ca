/**
 * Data folders from before local mode had its own access key ran DynamoDB Local with `-sharedDb`,
 * which keeps every table in `shared-local-instance.db`. Without `-sharedDb` it keeps one file per
 * access key id and region, `<accessKeyId>_<region>.db`; the same SQLite file serves either way, so
 * the upgrade renames it (with any SQLite journal beside it). Runs before DynamoDB Local starts, under
 * the data folder's lock; running it again changes nothing.
 */
import { chmod, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const legacySharedDbFile = 'shared-local-instance.db';
const sqliteSidecars = ['-journal', '-wal', '-shm'];

/** The file DynamoDB Local keeps a key's database in, without `-sharedDb`. */
export function perKeyDbFile(accessKeyId: string, region: string): string {
  return `${accessKeyId}_${region}.db`;
}

export type SharedDbMigration =
  /** There was no shared database file. */
  | 'none'
  /** The shared database is now the key's. */
  | 'migrated'
  /** Both files exist (an older secretm ran on this folder after an upgrade): both are left as they are. */
  | 'both-kept';

export async function migrateSharedDb(
  dynamodbDir: string,
  accessKeyId: string,
  region: string,
): Promise<SharedDbMigration> {
  const legacy = join(dynamodbDir, legacySharedDbFile);
  const target = join(dynamodbDir, perKeyDbFile(accessKeyId, region));
  if (!(await exists(legacy))) return 'none';
  if (await exists(target)) return 'both-kept';
  // Journals first, the database last: an interrupted run leaves the database under its old name,
  // and the next run finishes the move.
  for (const suffix of sqliteSidecars) {
    if ((await exists(legacy + suffix)) && !(await exists(target + suffix))) {
      await rename(legacy + suffix, target + suffix);
      await chmod(target + suffix, 0o600);
    }
  }
  await rename(legacy, target);
  await chmod(target, 0o600);
  return 'migrated';
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
