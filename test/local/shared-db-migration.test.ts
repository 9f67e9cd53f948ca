/** An older data folder's shared DynamoDB Local file becomes the file of the folder's own key, once. */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateSharedDb, perKeyDbFile } from '../../local/shared-db-migration.ts';

const keyId = 'SECRETM0123456789ABCDEF';
const region = 'us-east-1';
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'secretm-migration-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the shared database migration', () => {
  it("renames shared-local-instance.db, and its journal, to the key's file, owner-only", async () => {
    await writeFile(join(dir, 'shared-local-instance.db'), 'tables', { mode: 0o644 });
    await writeFile(join(dir, 'shared-local-instance.db-journal'), 'journal', { mode: 0o644 });

    expect(await migrateSharedDb(dir, keyId, region)).toBe('migrated');

    expect((await readdir(dir)).sort()).toEqual([`${keyId}_us-east-1.db`, `${keyId}_us-east-1.db-journal`]);
    expect(await readFile(join(dir, perKeyDbFile(keyId, region)), 'utf8')).toBe('tables');
    expect((await stat(join(dir, perKeyDbFile(keyId, region)))).mode & 0o777).toBe(0o600);
  });

  it('changes nothing when run again', async () => {
    await writeFile(join(dir, 'shared-local-instance.db'), 'tables');
    await migrateSharedDb(dir, keyId, region);

    expect(await migrateSharedDb(dir, keyId, region)).toBe('none');
    expect(await readdir(dir)).toEqual([`${keyId}_us-east-1.db`]);
  });

  it("finishes a move that stopped after the journal, without touching the key's journal", async () => {
    await writeFile(join(dir, 'shared-local-instance.db'), 'tables');
    await writeFile(join(dir, `${keyId}_us-east-1.db-journal`), 'moved journal');

    expect(await migrateSharedDb(dir, keyId, region)).toBe('migrated');
    expect(await readFile(join(dir, `${keyId}_us-east-1.db-journal`), 'utf8')).toBe('moved journal');
    expect(await readFile(join(dir, `${keyId}_us-east-1.db`), 'utf8')).toBe('tables');
  });

  it("leaves both files as they are when the key's file already exists", async () => {
    await writeFile(join(dir, 'shared-local-instance.db'), 'older');
    await writeFile(join(dir, perKeyDbFile(keyId, region)), 'current');

    expect(await migrateSharedDb(dir, keyId, region)).toBe('both-kept');
    expect(await readFile(join(dir, 'shared-local-instance.db'), 'utf8')).toBe('older');
    expect(await readFile(join(dir, perKeyDbFile(keyId, region)), 'utf8')).toBe('current');
  });

  it('does nothing in a data folder that never had a shared file', async () => {
    expect(await migrateSharedDb(dir, keyId, region)).toBe('none');
    expect(await readdir(dir)).toEqual([]);
  });
});
