/** The loopback launcher of DynamoDB Local: compiled once with javac and cached, or a reason why not. */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dynamoDbLocalDir } from '../../local/dynamodb-local.ts';
import { buildLauncher, launcherClass } from '../../local/loopback-launcher.ts';

let cacheDir: string;
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'secretm-launcher-'));
});
afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe("DynamoDB Local's loopback launcher", () => {
  it('is compiled against the installed jar, then reused from the cache without a compiler', {
    timeout: 120_000,
  }, async () => {
    const dynamoDir = dynamoDbLocalDir();

    const built = await buildLauncher({ dynamoDir, cacheDir });
    const [folder] = await readdir(cacheDir);
    const classFile = join(cacheDir, folder!, `${launcherClass}.class`);
    const compiledAt = (await stat(classFile)).mtimeMs;
    const reused = await buildLauncher({ dynamoDir, cacheDir, javac: 'no-such-javac' });

    expect(built).toEqual({
      loopbackOnly: true,
      classPath: expect.stringContaining(join(cacheDir, folder!)),
    });
    expect(built.loopbackOnly && built.classPath).toContain(join(dynamoDir, 'DynamoDBLocal.jar'));
    expect(reused).toEqual(built);
    expect((await stat(classFile)).mtimeMs).toBe(compiledAt);
    expect(await readdir(cacheDir)).toEqual([folder]);
  });

  it('is not built without a javac, and says to install a JDK', async () => {
    const launcher = await buildLauncher({ dynamoDir: dynamoDbLocalDir(), cacheDir, javac: 'no-such-javac' });

    expect(launcher).toEqual({ loopbackOnly: false, reason: expect.stringContaining('there is no javac') });
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it('is not built when the jar’s classes are not there, and says so', { timeout: 60_000 }, async () => {
    const launcher = await buildLauncher({ dynamoDir: cacheDir, cacheDir: join(cacheDir, 'cache') });

    expect(launcher).toEqual({
      loopbackOnly: false,
      reason: expect.stringContaining('did not compile against this DynamoDB Local'),
    });
    expect(await readdir(join(cacheDir, 'cache'))).toEqual([]);
  });
});
