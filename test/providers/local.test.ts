import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../shared/clock.ts';
import {
  ConflictError,
  NotFoundError,
  ProviderUnavailableError,
  ValidationError,
} from '../../shared/errors.ts';
import { createLocalVault } from '../../shared/providers/local.ts';
import type { SecretProvider } from '../../shared/providers/provider.ts';
import { describeProviderContract } from './provider-contract.ts';

const folders: string[] = [];

async function tempFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'secretm-local-vault-'));
  folders.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

function newRef(provider: SecretProvider): string {
  return provider.refFor('tenant-a', `secret-${randomUUID()}`);
}

function fakeClock(start: string): Clock & { advance(ms: number): void } {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    advance: (ms) => {
      now += ms;
    },
  };
}

const dayMs = 24 * 60 * 60 * 1000;

interface VersionOnDisk {
  id: string;
  kind: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

interface SecretOnDisk {
  ref: string;
  versions: VersionOnDisk[];
}

/** Finds a secret's file by the ref stored in clear inside it, as a person inspecting the folder would. */
async function secretFile(dir: string, ref: string): Promise<{ path: string; secret: SecretOnDisk }> {
  const secretsDir = join(dir, 'secrets');
  for (const name of await readdir(secretsDir)) {
    const path = join(secretsDir, name);
    const secret = JSON.parse(await readFile(path, 'utf8')) as SecretOnDisk;
    if (secret.ref === ref) return { path, secret };
  }
  return expect.fail(`no file holds ${ref}`);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  return expect.fail('the call succeeded, but it should have been refused');
}

describeProviderContract('local vault', async () => {
  const dir = await tempFolder();
  const provider = createLocalVault({ dir });
  return {
    provider,
    newRef: () => newRef(provider),
    // The local vault's own view is its file: the description and tags are kept there in clear.
    metadataOf: async (ref) => {
      const file = join(dir, 'secrets', `${createHash('sha256').update(ref, 'utf8').digest('hex')}.json`);
      const stored = JSON.parse(await readFile(file, 'utf8')) as {
        description?: string;
        tags?: Record<string, string>;
      };
      return {
        ...(stored.description === undefined ? {} : { description: stored.description }),
        tags: stored.tags ?? {},
      };
    },
    lacks: { network: true },
  };
});

describe('local vault', () => {
  describe('master key', () => {
    it('is created once with mode 0600 in a 0700 folder and reused by a second instance', async () => {
      const dir = join(await tempFolder(), 'vault');
      const first = createLocalVault({ dir });
      const ref = newRef(first);

      await first.create(ref, { kind: 'text', text: 'written by the first instance' });
      const keyBefore = await readFile(join(dir, 'master.key'));
      const read = await createLocalVault({ dir }).get(ref);

      expect((await stat(join(dir, 'master.key'))).mode & 0o777).toBe(0o600);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(dir, 'secrets'))).mode & 0o777).toBe(0o700);
      expect(keyBefore.length).toBe(32);
      expect(await readFile(join(dir, 'master.key'))).toEqual(keyBefore);
      expect(read.payload).toEqual({ kind: 'text', text: 'written by the first instance' });
    });

    it('refuses a key file that others may read, and leaves it as it is', async () => {
      const dir = await tempFolder();
      const key = randomBytes(32);
      await writeFile(join(dir, 'master.key'), key);
      await chmod(join(dir, 'master.key'), 0o644);
      const vault = createLocalVault({ dir });

      const error = await rejectionOf(vault.create(newRef(vault), { kind: 'text', text: 'never stored' }));
      const check = await vault.test();

      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toMatch(/mode 0644.*chmod 600/);
      expect(check.ok).toBe(false);
      expect(check.steps.find((step) => step.step === 'master key')).toMatchObject({
        ok: false,
        message: expect.stringMatching(/mode 0644/),
      });
      expect(await readFile(join(dir, 'master.key'))).toEqual(key);
      expect((await stat(join(dir, 'master.key'))).mode & 0o777).toBe(0o644);
    });

    it('refuses a key file of the wrong length, and leaves it as it is', async () => {
      const dir = await tempFolder();
      const key = randomBytes(16);
      await writeFile(join(dir, 'master.key'), key, { mode: 0o600 });
      const vault = createLocalVault({ dir });

      const error = await rejectionOf(vault.create(newRef(vault), { kind: 'text', text: 'never stored' }));

      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toMatch(/holds 16 bytes.*exactly 32 bytes/);
      expect(await readFile(join(dir, 'master.key'))).toEqual(key);
    });
  });

  describe('storage', () => {
    it('keeps no plaintext of a value in any file of the folder, and writes every file 0600', async () => {
      const dir = await tempFolder();
      const vault = createLocalVault({ dir });
      const canary = `canary-${randomUUID()}`;
      const ref = newRef(vault);
      const token = randomUUID();

      await vault.create(
        ref,
        { kind: 'map', data: { PASSWORD: canary, OTHER: `x${canary}x` } },
        { idempotencyToken: token },
      );
      await vault.put(ref, { kind: 'text', text: `line\n${canary}\n` });
      await vault.put(ref, { kind: 'binary', bytes: new Uint8Array(Buffer.from(canary, 'utf8')) });
      const files = await filesUnder(dir);

      const forms = [
        Buffer.from(canary, 'utf8'),
        Buffer.from(Buffer.from(canary, 'utf8').toString('base64'), 'utf8'),
        Buffer.from(Buffer.from(canary, 'utf8').toString('hex'), 'utf8'),
      ];
      const leaks: string[] = [];
      let refSeenInClear = false;
      for (const file of files) {
        const bytes = await readFile(file);
        if (forms.some((form) => bytes.includes(form))) leaks.push(file);
        if (bytes.includes(Buffer.from(ref, 'utf8'))) refSeenInClear = true;
        expect((await stat(file)).mode & 0o777).toBe(0o600);
      }
      expect(files.length).toBeGreaterThanOrEqual(2);
      expect(refSeenInClear).toBe(true);
      expect(leaks).toEqual([]);
    });

    it('keeps refs with slashes and dot-dot segments inside the secrets folder', async () => {
      const parent = await tempFolder();
      const dir = join(parent, 'vault');
      const vault = createLocalVault({ dir });
      const refs = ['../../escaped', 'a/../../../b', '/absolute/path', '..'];

      for (const ref of refs) await vault.create(ref, { kind: 'text', text: ref });

      expect(await readdir(parent)).toEqual(['vault']);
      expect((await readdir(dir)).sort()).toEqual(['master.key', 'secrets']);
      expect((await readdir(join(dir, 'secrets'))).every((name) => /^[0-9a-f]{64}\.json$/.test(name))).toBe(
        true,
      );
      expect(await readdir(join(dir, 'secrets'))).toHaveLength(refs.length);
      for (const ref of refs) expect((await vault.get(ref)).payload).toEqual({ kind: 'text', text: ref });
    });

    it('counts version ids up from "1" per ref', async () => {
      const vault = createLocalVault({ dir: await tempFolder() });
      const ref = newRef(vault);

      const ids = [
        (await vault.create(ref, { kind: 'text', text: 'a' })).versionId,
        (await vault.put(ref, { kind: 'text', text: 'b' })).versionId,
        (await vault.put(ref, { kind: 'text', text: 'c' })).versionId,
      ];

      expect(ids).toEqual(['1', '2', '3']);
    });

    it('keeps all of twenty concurrent puts on one ref as distinct versions', async () => {
      const dir = await tempFolder();
      const vault = createLocalVault({ dir });
      const ref = newRef(vault);
      await vault.create(ref, { kind: 'text', text: 'initial' });

      const written = await Promise.all(
        Array.from({ length: 20 }, (_, i) => vault.put(ref, { kind: 'text', text: `value ${i}` })),
      );

      const { secret } = await secretFile(dir, ref);
      expect(new Set(written.map((version) => version.versionId)).size).toBe(20);
      expect(secret.versions.map((version) => version.id).sort((a, b) => Number(a) - Number(b))).toEqual(
        Array.from({ length: 21 }, (_, i) => String(i + 1)),
      );
    });

    it('refFor names a tenant’s secret under its prefix (the stage’s namespace)', () => {
      const vault = createLocalVault({ dir: join(tmpdir(), 'unused'), namePrefix: 'secretm/dev/' });

      expect(vault.refFor('team-a', 'prod-db')).toBe('secretm/dev/team-a/prod-db');
      expect(createLocalVault({ dir: join(tmpdir(), 'unused') }).refFor('team-a', 'prod-db')).toBe(
        'secretm/local/team-a/prod-db',
      );
    });
  });

  describe('tampering', () => {
    it('refuses a tampered ciphertext with a ProviderUnavailableError that names no value', async () => {
      const dir = await tempFolder();
      const vault = createLocalVault({ dir });
      const ref = newRef(vault);
      await vault.create(ref, { kind: 'text', text: 'tamper-canary-value' });
      const { path, secret } = await secretFile(dir, ref);
      const ciphertext = Buffer.from(secret.versions[0]!.ciphertext, 'base64');
      ciphertext[0] = ciphertext[0]! ^ 0x01;
      secret.versions[0]!.ciphertext = ciphertext.toString('base64');
      await writeFile(path, JSON.stringify(secret));

      const error = await rejectionOf(vault.get(ref));

      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toMatch(/could not decrypt version "1"/);
      expect((error as Error).message).not.toContain('tamper-canary-value');
    });

    it("refuses a ciphertext copied into another secret's file", async () => {
      const dir = await tempFolder();
      const vault = createLocalVault({ dir });
      const source = newRef(vault);
      const target = newRef(vault);
      await vault.create(source, { kind: 'text', text: 'the source value' });
      await vault.create(target, { kind: 'text', text: 'the target value' });
      const from = await secretFile(dir, source);
      const to = await secretFile(dir, target);
      to.secret.versions[0] = { ...from.secret.versions[0]! };
      await writeFile(to.path, JSON.stringify(to.secret));

      const error = await rejectionOf(vault.get(target));

      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as Error).message).toMatch(/could not decrypt/);
      expect((await vault.get(source)).payload).toEqual({ kind: 'text', text: 'the source value' });
    });

    it('refuses a ciphertext moved to another version of the same secret', async () => {
      const dir = await tempFolder();
      const vault = createLocalVault({ dir });
      const ref = newRef(vault);
      await vault.create(ref, { kind: 'text', text: 'version one' });
      await vault.put(ref, { kind: 'text', text: 'version two' });
      const { path, secret } = await secretFile(dir, ref);
      secret.versions[1] = { ...secret.versions[0]!, id: '2' };
      await writeFile(path, JSON.stringify(secret));

      const error = await rejectionOf(vault.get(ref, { versionId: '2' }));

      expect(error).toBeInstanceOf(ProviderUnavailableError);
    });

    it('refuses values sealed under another master key', async () => {
      const dir = await tempFolder();
      const vault = createLocalVault({ dir });
      const ref = newRef(vault);
      await vault.create(ref, { kind: 'text', text: 'sealed under the first key' });
      const other = await tempFolder();
      await writeFile(join(other, 'master.key'), randomBytes(32), { mode: 0o600 });
      await mkdir(join(other, 'secrets'), { mode: 0o700 });
      const { path } = await secretFile(dir, ref);
      await writeFile(join(other, 'secrets', path.split('/').at(-1)!), await readFile(path), { mode: 0o600 });

      const error = await rejectionOf(createLocalVault({ dir: other }).get(ref));

      expect(error).toBeInstanceOf(ProviderUnavailableError);
    });
  });

  describe('idempotency tokens', () => {
    it('answers the first version for a repeated create and stores a single version', async () => {
      const dir = await tempFolder();
      const vault = createLocalVault({ dir });
      const ref = newRef(vault);
      const idempotencyToken = randomUUID();

      const first = await vault.create(ref, { kind: 'map', data: { A: '1' } }, { idempotencyToken });
      const again = await vault.create(ref, { kind: 'map', data: { A: '1' } }, { idempotencyToken });

      expect(again).toEqual(first);
      expect((await secretFile(dir, ref)).secret.versions).toHaveLength(1);
    });

    it('refuses a token reused with another payload with a ConflictError', async () => {
      const vault = createLocalVault({ dir: await tempFolder() });
      const ref = newRef(vault);
      const idempotencyToken = randomUUID();
      await vault.create(ref, { kind: 'text', text: 'first' });
      await vault.put(ref, { kind: 'text', text: 'second' }, { idempotencyToken });

      const onPut = await rejectionOf(vault.put(ref, { kind: 'text', text: 'third' }, { idempotencyToken }));
      const onCreate = await rejectionOf(
        vault.create(ref, { kind: 'text', text: 'third' }, { idempotencyToken }),
      );

      expect(onPut).toBeInstanceOf(ConflictError);
      expect((onPut as Error).message).toMatch(/idempotency token/);
      expect((onPut as Error).message).not.toContain('third');
      expect(onCreate).toBeInstanceOf(ConflictError);
      expect((await vault.get(ref)).payload).toEqual({ kind: 'text', text: 'second' });
    });

    it('tells a token reused with the same bytes under another payload kind apart', async () => {
      const vault = createLocalVault({ dir: await tempFolder() });
      const ref = newRef(vault);
      const idempotencyToken = randomUUID();
      await vault.create(ref, { kind: 'text', text: 'same bytes' }, { idempotencyToken });

      const error = await rejectionOf(
        vault.create(
          ref,
          { kind: 'binary', bytes: new Uint8Array(Buffer.from('same bytes')) },
          { idempotencyToken },
        ),
      );

      expect(error).toBeInstanceOf(ConflictError);
    });
  });

  describe('soft delete and recovery window', () => {
    it('answers NotFoundError to get and put and ConflictError to create while deletion is pending', async () => {
      const vault = createLocalVault({ dir: await tempFolder() });
      const ref = newRef(vault);
      await vault.create(ref, { kind: 'text', text: 'pending' });

      await vault.delete(ref, { mode: 'soft', recoveryWindowDays: 7 });

      expect(await rejectionOf(vault.get(ref))).toBeInstanceOf(NotFoundError);
      expect(await rejectionOf(vault.put(ref, { kind: 'text', text: 'x' }))).toBeInstanceOf(NotFoundError);
      const conflict = await rejectionOf(vault.create(ref, { kind: 'text', text: 'x' }));
      expect(conflict).toBeInstanceOf(ConflictError);
      expect((conflict as Error).message).toMatch(/scheduled for deletion/);
      expect(await rejectionOf(vault.delete(ref, { mode: 'soft', recoveryWindowDays: 7 }))).toBeInstanceOf(
        NotFoundError,
      );
    });

    it('counts a soft-deleted secret as purged once its recovery deadline has passed on the clock', async () => {
      const dir = await tempFolder();
      const clock = fakeClock('2030-01-01T00:00:00.000Z');
      const vault = createLocalVault({ dir, clock });
      const ref = newRef(vault);
      await vault.create(ref, { kind: 'text', text: 'old life' });
      await vault.put(ref, { kind: 'text', text: 'old life, second version' });
      await vault.delete(ref, { mode: 'soft', recoveryWindowDays: 7 });
      clock.advance(7 * dayMs - 1);
      const justBefore = await rejectionOf(vault.create(ref, { kind: 'text', text: 'too early' }));

      clock.advance(1);
      const restoreAfter = await rejectionOf(vault.restore(ref));
      const listed = await vault.discover();
      const created = await vault.create(ref, { kind: 'text', text: 'new life' });

      expect(justBefore).toBeInstanceOf(ConflictError);
      expect(restoreAfter).toBeInstanceOf(NotFoundError);
      expect(listed.items.map((item) => item.ref)).not.toContain(ref);
      expect(created.versionId).toBe('1');
      expect((await vault.get(ref)).payload).toEqual({ kind: 'text', text: 'new life' });
      expect((await secretFile(dir, ref)).secret.versions).toHaveLength(1);
    });

    it('refuses a recovery window outside 7 to 30 days with a ValidationError', async () => {
      const vault = createLocalVault({ dir: await tempFolder() });
      const ref = newRef(vault);
      await vault.create(ref, { kind: 'text', text: 'kept' });

      const tooShort = await rejectionOf(vault.delete(ref, { mode: 'soft', recoveryWindowDays: 6 }));
      const tooLong = await rejectionOf(vault.delete(ref, { mode: 'soft', recoveryWindowDays: 31 }));

      expect(tooShort).toBeInstanceOf(ValidationError);
      expect(tooLong).toBeInstanceOf(ValidationError);
      expect((await vault.get(ref)).payload).toEqual({ kind: 'text', text: 'kept' });
    });

    it('answers NotFoundError to restore of a secret that is not pending deletion', async () => {
      const vault = createLocalVault({ dir: await tempFolder() });
      const ref = newRef(vault);
      await vault.create(ref, { kind: 'text', text: 'alive' });

      const error = await rejectionOf(vault.restore(ref));

      expect(error).toBeInstanceOf(NotFoundError);
    });
  });

  describe('discover', () => {
    it('lists live refs sorted, without soft-deleted ones', async () => {
      const vault = createLocalVault({ dir: await tempFolder() });
      for (const name of ['c', 'a', 'd', 'b']) await vault.create(`t/${name}`, { kind: 'text', text: name });
      await vault.delete('t/d', { mode: 'soft', recoveryWindowDays: 7 });

      const first = await vault.discover({ limit: 2 });
      const second = await vault.discover({ limit: 2, cursor: first.cursor! });

      expect(first.items.map((item) => item.ref)).toEqual(['t/a', 't/b']);
      expect(second.items.map((item) => item.ref)).toEqual(['t/c']);
      expect(second.cursor).toBeUndefined();
    });

    it('refuses a cursor it did not issue with a ValidationError', async () => {
      const vault = createLocalVault({ dir: await tempFolder() });

      const error = await rejectionOf(vault.discover({ cursor: 'not-a-cursor' }));

      expect(error).toBeInstanceOf(ValidationError);
    });
  });

  describe('test', () => {
    it('creates the folder and key on an empty folder and answers each step ok', async () => {
      const dir = join(await tempFolder(), 'fresh');
      const vault = createLocalVault({ dir });

      const check = await vault.test();

      expect(check).toMatchObject({
        ok: true,
        steps: [
          { step: 'folder', ok: true },
          { step: 'master key', ok: true },
          { step: 'encryption', ok: true },
        ],
      });
      expect((await stat(join(dir, 'master.key'))).mode & 0o777).toBe(0o600);
      expect(await readdir(join(dir, 'secrets'))).toEqual([]);
    });

    it('names no path of the machine in its answer, which the API returns to the caller', async () => {
      const dir = join(await tempFolder(), 'unnamed');
      const vault = createLocalVault({ dir });

      const check = await vault.test();

      expect(check.steps).toHaveLength(3);
      expect(JSON.stringify(check)).not.toContain(dir);
    });
  });
});
