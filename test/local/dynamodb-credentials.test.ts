/** DynamoDB Local's access key: made once per data folder, kept owner-only, never silently replaced. */
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateDynamoDbCredentials } from '../../local/dynamodb-credentials.ts';
import { LocalModeError } from '../../local/local-mode-error.ts';

let dataDir: string;
let path: string;
let dynamodbDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'secretm-credentials-'));
  path = join(dataDir, 'dynamodb-credentials.json');
  dynamodbDir = join(dataDir, 'dynamodb');
  await mkdir(dynamodbDir, { mode: 0o700 });
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("DynamoDB Local's access key", () => {
  it('is generated on first start, of letters and digits as DynamoDB Local wants, in a 0600 file', async () => {
    const created = await loadOrCreateDynamoDbCredentials(path, dynamodbDir);

    expect(created.accessKeyId).toMatch(/^[A-Za-z0-9]{40,}$/);
    expect(created.secretAccessKey.length).toBeGreaterThanOrEqual(40);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(created);
  });

  it('is the same on every later start, and differs between data folders', async () => {
    const first = await loadOrCreateDynamoDbCredentials(path, dynamodbDir);
    const again = await loadOrCreateDynamoDbCredentials(path, dynamodbDir);
    const otherDir = await mkdtemp(join(tmpdir(), 'secretm-credentials-'));
    try {
      const other = await loadOrCreateDynamoDbCredentials(
        join(otherDir, 'dynamodb-credentials.json'),
        otherDir,
      );

      expect(again).toEqual(first);
      expect(other.accessKeyId).not.toBe(first.accessKeyId);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('is refused, and left as it is, when others may read its file', async () => {
    await loadOrCreateDynamoDbCredentials(path, dynamodbDir);
    await chmod(path, 0o644);

    const refused = loadOrCreateDynamoDbCredentials(path, dynamodbDir);

    await expect(refused).rejects.toThrow(LocalModeError);
    await expect(refused).rejects.toThrow(`${path} has mode 0644`);
    expect((await stat(path)).mode & 0o777).toBe(0o644);
  });

  it('is refused, never replaced, when its file holds something else', async () => {
    await writeFile(path, '{"accessKeyId": "has-dashes", "secretAccessKey": "x"}', { mode: 0o600 });

    await expect(loadOrCreateDynamoDbCredentials(path, dynamodbDir)).rejects.toThrow(
      'does not hold an access key id and secret access key',
    );
    expect(await readFile(path, 'utf8')).toContain('has-dashes');
  });

  it('is not generated anew while the database of a lost key is still there', async () => {
    await writeFile(join(dynamodbDir, 'SECRETMLOSTKEY0123456789_us-east-1.db'), '', { mode: 0o600 });

    await expect(loadOrCreateDynamoDbCredentials(path, dynamodbDir)).rejects.toThrow(
      `${dynamodbDir} holds the database of an access key that ${path} no longer holds`,
    );
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });

  it('is generated for a data folder of an older secretm, whose tables are in the shared file', async () => {
    await writeFile(join(dynamodbDir, 'shared-local-instance.db'), 'tables', { mode: 0o644 });

    await expect(loadOrCreateDynamoDbCredentials(path, dynamodbDir)).resolves.toHaveProperty('accessKeyId');
  });
});
