/**
 * The access key of local mode's DynamoDB Local, generated once per data folder and kept in it (0600).
 * DynamoDB Local keeps one database per access key id and region and does not check signatures, so
 * the key id is what admits a client to secretm's tables: a client with any other key id gets an empty
 * database of its own. Its database file is named after the key id, which is why the folder holding
 * both is owner-only too.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readdir, rm, writeFile } from 'node:fs/promises';
import { LocalModeError } from './local-mode-error.ts';
import { legacySharedDbFile } from './shared-db-migration.ts';

export interface DynamoDbCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** DynamoDB Local accepts key ids of letters and digits only. */
const accessKeyIdPattern = /^[A-Za-z0-9]{16,128}$/;

/** Reads the data folder's key, or creates it on first start. */
export async function loadOrCreateDynamoDbCredentials(
  path: string,
  dynamodbDir: string,
): Promise<DynamoDbCredentials> {
  const existing = await readCredentials(path);
  if (existing) return existing;
  const orphans = (await readdir(dynamodbDir)).filter(
    (name) => name.endsWith('.db') && name !== legacySharedDbFile,
  );
  if (orphans.length > 0) {
    throw new LocalModeError(
      `${dynamodbDir} holds the database of an access key that ${path} no longer holds (${orphans[0]}); put that file back, or move ${dynamodbDir} away to start with an empty store`,
    );
  }
  const created: DynamoDbCredentials = {
    accessKeyId: `SECRETM${randomBytes(20).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(created, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    await link(temp, path);
    return created;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readCredentials(path))!;
  } finally {
    await rm(temp, { force: true });
  }
}

async function readCredentials(path: string): Promise<DynamoDbCredentials | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const found = await handle.stat();
    if (!found.isFile()) throw new LocalModeError(`${path} is not a regular file`);
    if ((found.mode & 0o077) !== 0) {
      const mode = (found.mode & 0o777).toString(8).padStart(4, '0');
      throw new LocalModeError(
        `${path} has mode ${mode}, so other users may read DynamoDB Local's access key; make it owner-only (chmod 600 ${path}). It was left as it is`,
      );
    }
    const parsed = parse(await handle.readFile('utf8'));
    if (!parsed) {
      throw new LocalModeError(
        `${path} does not hold an access key id and secret access key; put the right file back (it was left as it is)`,
      );
    }
    return parsed;
  } finally {
    await handle.close();
  }
}

function parse(text: string): DynamoDbCredentials | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { accessKeyId, secretAccessKey } = (value ?? {}) as Record<string, unknown>;
  if (typeof accessKeyId !== 'string' || !accessKeyIdPattern.test(accessKeyId)) return undefined;
  if (typeof secretAccessKey !== 'string' || secretAccessKey === '') return undefined;
  return { accessKeyId, secretAccessKey };
}
