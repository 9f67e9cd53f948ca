/**
 * The behaviour every vault adapter owes the port (shared/providers/provider.ts), as one suite that
 * each adapter's test file runs against its live server:
 *
 *   describeProviderContract('aws-secrets-manager on moto', async () => ({ provider, newRef }));
 *
 * The cases speak only of the port, never of one vault's internals. They share the vault with other
 * test files, so they use fresh refs from `newRef()` and never assume the vault is empty.
 *
 * A vault that lacks a capability says so in `lacks`; the suite then asserts that the adapter refuses
 * the call with a typed error (UnprocessableError, or ValidationError) instead of skipping it, so a
 * caller never gets a silent half-success.
 *
 * Refs from `discover()` are compared with the refs given to `create`: an adapter answers them in the
 * form it takes them.
 *
 * Besides create, read, versions, idempotency, delete and restore, every adapter answers the same
 * size limits (the vault's own, or secretm's 64 KiB where the vault holds more) and errors (typed,
 * never carrying the value; an unreachable vault is a ProviderUnavailableError and its test() stops at
 * the step that failed). A subject that started a server for the suite stops it in `dispose`. Vaults
 * that keep a description and tags show them through their own API (`metadataOf`): create sets them,
 * `updateMetadata` changes and removes them without a version, and a put keeps them.
 *
 * A read-only vault (`lacks.write`, e.g. Vault's dynamic database credentials) runs
 * `describeReadOnlyProviderContract` instead: every write refused with a typed error, and get, test
 * and discover (or its refusal) checked on a `readableRef` the vault serves.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  ProviderUnavailableError,
  SecretmError,
  UnprocessableError,
  ValidationError,
} from '../../shared/errors.ts';
import { payloadSize, type SecretPayload, type SecretProvider } from '../../shared/providers/provider.ts';
import { maxValueBytes as secretmMaxValueBytes } from '../../shared/secrets/secret-value.ts';

export interface ContractSubject {
  provider: SecretProvider;
  /** a fresh unique ref for one test */
  newRef(): string;
  /** capabilities the vault lacks, so the suite adapts instead of skipping silently */
  lacks?: {
    binary?: boolean;
    softDelete?: boolean;
    restore?: boolean;
    write?: boolean;
    /** no description or tags kept with a secret (then no `updateMetadata` either) */
    metadata?: boolean;
    /** no network between secretm and the vault (the local vault): nothing to be unreachable */
    network?: boolean;
  };
  /** read-only vaults (`lacks.write`): a ref that get can read, e.g. a dynamic-credentials role */
  readableRef?: string;
  /**
   * The description and tags the vault holds for a ref, read through the vault's own API (not the
   * port), with secretm's own bookkeeping (such as Azure's reserved tags) told apart.
   */
  metadataOf?(ref: string): Promise<{ description?: string; tags: Record<string, string> }>;
  /** The vault's own limit on a value, in bytes as secretm measures text; absent when it holds at least secretm's. */
  maxValueBytes?: number;
  /** The same adapter pointed at a port where nothing listens. */
  unreachable?(): SecretProvider;
  /** Stops what the set-up started (a server of this file). */
  dispose?(): Promise<void>;
  /**
   * Where the test server departs from the real vault, each with the reason, so the suite checks what
   * the server can show and no more (never used to excuse the adapter).
   */
  serverDeviations?: {
    /** The server keeps a description the adapter cleared. */
    keepsClearedDescription?: string;
  };
}

const unicodeMap: SecretPayload = {
  kind: 'map',
  data: {
    GREETING: 'héllo wörld — 你好 🔐',
    EMPTY: '',
    'dotted.key-with_dash': 'a=b; c="d" \\ \'e\'',
    SPACES: '  padded  ',
  },
};

const multiLineText: SecretPayload = {
  kind: 'text',
  text: '-----BEGIN KEY-----\nline two\r\n\tindented line\n\nlast line after a blank one\n',
};

const everyByte: SecretPayload = {
  kind: 'binary',
  bytes: Uint8Array.from({ length: 256 }, (_, i) => i),
};

function textPayload(text: string): SecretPayload {
  return { kind: 'text', text };
}

/** A comparable form of a payload: bytes as hex, so Buffer and Uint8Array answers compare equal. */
function comparable(payload: SecretPayload): unknown {
  return payload.kind === 'binary'
    ? { kind: 'binary', hex: Buffer.from(payload.bytes).toString('hex') }
    : payload;
}

async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  return expect.fail('the call succeeded, but it should have been refused');
}

/** How an adapter refuses something its vault cannot do: a typed error with a message a person can act on. */
function expectCapabilityRefusal(error: unknown): void {
  expect(error).toBeInstanceOf(SecretmError);
  expect(
    error instanceof UnprocessableError || error instanceof ValidationError,
    `expected UnprocessableError or ValidationError, got ${String(error)}`,
  ).toBe(true);
  expect((error as SecretmError).message.length).toBeGreaterThan(0);
}

/** A version id shaped like the vault's own (digits, UUID, hex) that no version of the secret has. */
function absentVersionIdLike(known: string[]): string {
  const sample = known[0]!;
  if (/^\d+$/.test(sample)) return String(Math.max(...known.map(Number)) + 1000);
  const hex = '0123456789abcdef';
  for (let attempt = 0; attempt < 10; attempt++) {
    const candidate = sample
      .replace(/[0-9a-f]/g, () => hex[randomInt(16)]!)
      .replace(/[A-F]/g, () => hex.toUpperCase()[randomInt(16)]!);
    if (!known.includes(candidate)) return candidate;
  }
  return `${sample}0`;
}

export function describeProviderContract(label: string, setup: () => Promise<ContractSubject>): void {
  describe(`${label}: the vault port contract`, () => {
    let subject: ContractSubject;

    beforeAll(async () => {
      subject = await setup();
      if (subject.lacks?.write) throw new Error(`${label} lacks write: run describeReadOnlyProviderContract`);
    });
    afterAll(async () => {
      await subject?.dispose?.();
    });

    describe('payload kinds', () => {
      it('reads back a map with unicode and empty-string values exactly as created', async () => {
        const { provider, newRef } = subject;
        const ref = newRef();

        const written = await provider.create(ref, unicodeMap);
        const read = await provider.get(ref);

        expect(comparable(read.payload)).toEqual(comparable(unicodeMap));
        expect(read.versionId).toBe(written.versionId);
      });

      it('reads back multi-line text exactly as created', async () => {
        const { provider, newRef } = subject;
        const ref = newRef();

        await provider.create(ref, multiLineText);
        const read = await provider.get(ref);

        expect(comparable(read.payload)).toEqual(comparable(multiLineText));
      });

      it('reads back binary with all 256 byte values byte for byte, or refuses binary and stores nothing', async () => {
        const { provider, newRef, lacks } = subject;
        const ref = newRef();

        if (lacks?.binary) {
          const error = await rejectionOf(provider.create(ref, everyByte));

          expectCapabilityRefusal(error);
          await expect(provider.get(ref)).rejects.toBeInstanceOf(NotFoundError);
          return;
        }
        await provider.create(ref, everyByte);
        const read = await provider.get(ref);

        expect(comparable(read.payload)).toEqual(comparable(everyByte));
      });
    });

    describe('versions', () => {
      it('put writes a new version with another versionId, which get answers as current', async () => {
        const { provider, newRef } = subject;
        const ref = newRef();
        const first = await provider.create(ref, textPayload('first'));

        const second = await provider.put(ref, textPayload('second'));
        const read = await provider.get(ref);

        expect(second.versionId).not.toBe(first.versionId);
        expect(read.versionId).toBe(second.versionId);
        expect(comparable(read.payload)).toEqual(comparable(textPayload('second')));
      });

      it('get by an old versionId still answers the old value', async () => {
        const { provider, newRef } = subject;
        const ref = newRef();
        const first = await provider.create(ref, unicodeMap);
        await provider.put(ref, textPayload('newer'));

        const old = await provider.get(ref, { versionId: first.versionId });

        expect(old.versionId).toBe(first.versionId);
        expect(comparable(old.payload)).toEqual(comparable(unicodeMap));
      });

      it('ten concurrent puts make ten distinct versions, each readable with its own value', async () => {
        const { provider, newRef } = subject;
        const ref = newRef();
        await provider.create(ref, textPayload('initial'));
        const values = Array.from({ length: 10 }, (_, i) => `concurrent value ${i}`);

        const written = await Promise.all(values.map((value) => provider.put(ref, textPayload(value))));

        expect(new Set(written.map((version) => version.versionId)).size).toBe(10);
        const reads = await Promise.all(
          written.map((version) => provider.get(ref, { versionId: version.versionId })),
        );
        expect(reads.map((read) => comparable(read.payload))).toEqual(
          values.map((value) => comparable(textPayload(value))),
        );
        const current = await provider.get(ref);
        expect(written.map((version) => version.versionId)).toContain(current.versionId);
      });
    });

    describe('absent and existing secrets', () => {
      it('get of an absent ref is a NotFoundError', async () => {
        const { provider, newRef } = subject;

        const error = await rejectionOf(provider.get(newRef()));

        expect(error).toBeInstanceOf(NotFoundError);
      });

      it('get of an absent version of an existing secret is a NotFoundError', async () => {
        const { provider, newRef } = subject;
        const ref = newRef();
        const first = await provider.create(ref, textPayload('one'));
        const second = await provider.put(ref, textPayload('two'));

        const error = await rejectionOf(
          provider.get(ref, { versionId: absentVersionIdLike([first.versionId, second.versionId]) }),
        );

        expect(error).toBeInstanceOf(NotFoundError);
      });

      it('put on an absent ref is a NotFoundError and creates nothing', async () => {
        const { provider, newRef } = subject;
        const ref = newRef();

        const error = await rejectionOf(provider.put(ref, textPayload('orphan')));

        expect(error).toBeInstanceOf(NotFoundError);
        await expect(provider.get(ref)).rejects.toBeInstanceOf(NotFoundError);
      });

      it('create on an existing ref is a ConflictError and keeps the first value', async () => {
        const { provider, newRef } = subject;
        const ref = newRef();
        const first = await provider.create(ref, textPayload('first'));

        const error = await rejectionOf(provider.create(ref, textPayload('second')));

        expect(error).toBeInstanceOf(ConflictError);
        const read = await provider.get(ref);
        expect(read.versionId).toBe(first.versionId);
        expect(comparable(read.payload)).toEqual(comparable(textPayload('first')));
      });
    });

    describe('idempotency tokens', () => {
      it('create twice with one token and one payload answers the same single version', async () => {
        const { provider, newRef } = subject;
        const ref = newRef();
        const idempotencyToken = randomUUID();

        const first = await provider.create(ref, unicodeMap, { idempotencyToken });
        const again = await provider.create(ref, unicodeMap, { idempotencyToken });

        expect(again.versionId).toBe(first.versionId);
        const read = await provider.get(ref);
        expect(read.versionId).toBe(first.versionId);
        expect(comparable(read.payload)).toEqual(comparable(unicodeMap));
      });

      it('put twice with one token and one payload answers the same version and writes no other', async () => {
        const { provider, newRef } = subject;
        const ref = newRef();
        await provider.create(ref, textPayload('initial'));
        const idempotencyToken = randomUUID();

        const first = await provider.put(ref, textPayload('updated'), { idempotencyToken });
        const again = await provider.put(ref, textPayload('updated'), { idempotencyToken });

        expect(again.versionId).toBe(first.versionId);
        expect((await provider.get(ref)).versionId).toBe(first.versionId);
      });
    });

    describe('deletion', () => {
      it('soft delete hides the secret until restore brings its value back, or both are refused', async () => {
        const { provider, newRef, lacks } = subject;
        const ref = newRef();
        await provider.create(ref, unicodeMap);

        if (lacks?.softDelete) {
          const deleteError = await rejectionOf(
            provider.delete(ref, { mode: 'soft', recoveryWindowDays: 7 }),
          );
          const restoreError = await rejectionOf(provider.restore(ref));

          expectCapabilityRefusal(deleteError);
          expectCapabilityRefusal(restoreError);
          expect(comparable((await provider.get(ref)).payload)).toEqual(comparable(unicodeMap));
          return;
        }
        await provider.delete(ref, { mode: 'soft', recoveryWindowDays: 7 });
        const whileDeleted = await rejectionOf(provider.get(ref));

        expect(whileDeleted).toBeInstanceOf(NotFoundError);
        if (lacks?.restore) {
          expectCapabilityRefusal(await rejectionOf(provider.restore(ref)));
          return;
        }
        await provider.restore(ref);
        const restored = await provider.get(ref);
        expect(comparable(restored.payload)).toEqual(comparable(unicodeMap));
      });

      it('restore of an absent ref is a NotFoundError, or restore is refused', async () => {
        const { provider, newRef, lacks } = subject;

        const error = await rejectionOf(provider.restore(newRef()));

        if (lacks?.softDelete || lacks?.restore) expectCapabilityRefusal(error);
        else expect(error).toBeInstanceOf(NotFoundError);
      });

      it('purge removes every version, and create with the same ref works again', async () => {
        const { provider, newRef } = subject;
        const ref = newRef();
        const first = await provider.create(ref, textPayload('before purge'));
        await provider.put(ref, textPayload('also before purge'));

        await provider.delete(ref, { mode: 'purge' });

        await expect(provider.get(ref)).rejects.toBeInstanceOf(NotFoundError);
        await expect(provider.get(ref, { versionId: first.versionId })).rejects.toBeInstanceOf(NotFoundError);
        await provider.create(ref, textPayload('after purge'));
        expect(comparable((await provider.get(ref)).payload)).toEqual(comparable(textPayload('after purge')));
      });

      it('purge of a soft-deleted secret frees its ref for create', async () => {
        const { provider, newRef, lacks } = subject;
        const ref = newRef();
        await provider.create(ref, textPayload('doomed'));
        if (lacks?.softDelete) {
          expectCapabilityRefusal(
            await rejectionOf(provider.delete(ref, { mode: 'soft', recoveryWindowDays: 7 })),
          );
          return;
        }
        await provider.delete(ref, { mode: 'soft', recoveryWindowDays: 7 });

        await provider.delete(ref, { mode: 'purge' });
        await provider.create(ref, textPayload('reborn'));

        expect(comparable((await provider.get(ref)).payload)).toEqual(comparable(textPayload('reborn')));
      });
    });

    describe('description and tags', () => {
      /** The vault's view of a ref's metadata; on a vault without it, asserts it says so, and answers undefined. */
      const metadataOf = async (ref: string) => {
        const { provider, metadataOf: read, lacks } = subject;
        if (read) return read(ref);
        expect(lacks?.metadata, 'a vault without metadataOf says lacks.metadata').toBe(true);
        expect(provider.updateMetadata).toBeUndefined();
        return undefined;
      };

      it('create keeps the description and tags, as the vault itself shows them', async () => {
        const { provider, newRef } = subject;
        const ref = newRef();

        await provider.create(ref, textPayload('tagged'), {
          description: 'the shop database',
          tags: { team: 'payments', env: 'prod' },
        });

        const held = await metadataOf(ref);
        if (held)
          expect(held).toEqual({ description: 'the shop database', tags: { team: 'payments', env: 'prod' } });
      });

      it('updateMetadata changes the description, sets, changes and removes tags, and writes no version', async () => {
        const { provider, newRef } = subject;
        const ref = newRef();
        const written = await provider.create(ref, unicodeMap, {
          description: 'before',
          tags: { keep: 'kept', change: 'old', drop: 'dropped' },
        });
        if (!(await metadataOf(ref))) return;

        await provider.updateMetadata!(ref, {
          description: 'after',
          tags: { change: 'new', drop: null, add: 'added' },
        });
        const changed = await metadataOf(ref);
        await provider.updateMetadata!(ref, { description: null });
        const undescribed = await metadataOf(ref);

        expect(changed).toEqual({
          description: 'after',
          tags: { keep: 'kept', change: 'new', add: 'added' },
        });
        if (subject.serverDeviations?.keepsClearedDescription) {
          expect(undescribed?.tags).toEqual({ keep: 'kept', change: 'new', add: 'added' });
        } else {
          expect(undescribed).toEqual({ tags: { keep: 'kept', change: 'new', add: 'added' } });
        }
        const read = await provider.get(ref);
        expect(read.versionId).toBe(written.versionId);
        expect(comparable(read.payload)).toEqual(comparable(unicodeMap));
      });

      it('a put keeps the description and tags the secret has', async () => {
        const { provider, newRef } = subject;
        const ref = newRef();
        await provider.create(ref, textPayload('first'), { description: 'kept', tags: { a: '1' } });
        if (!(await metadataOf(ref))) return;
        await provider.updateMetadata!(ref, { tags: { b: '2' } });

        await provider.put(ref, textPayload('second'));

        expect(await metadataOf(ref)).toEqual({ description: 'kept', tags: { a: '1', b: '2' } });
      });

      it('updateMetadata of an absent or deleted secret is a NotFoundError', async () => {
        const { provider, newRef, lacks } = subject;
        if (!provider.updateMetadata) {
          expect(lacks?.metadata).toBe(true);
          return;
        }
        const deleted = newRef();
        await provider.create(deleted, textPayload('gone'));
        await provider.delete(
          deleted,
          lacks?.softDelete ? { mode: 'purge' } : { mode: 'soft', recoveryWindowDays: 7 },
        );

        const errors = [
          await rejectionOf(provider.updateMetadata(newRef(), { tags: { a: '1' } })),
          await rejectionOf(provider.updateMetadata(deleted, { tags: { a: '1' } })),
        ];

        for (const error of errors) expect(error).toBeInstanceOf(NotFoundError);
      });
    });

    describe('size limits', () => {
      it('holds a value of exactly the vault’s limit (or secretm’s own), and refuses one byte more, storing nothing', async () => {
        const { provider, newRef, maxValueBytes } = subject;
        const ref = newRef();
        const limit = maxValueBytes ?? secretmMaxValueBytes;

        await provider.create(ref, textPayload('x'.repeat(limit)));
        expect(comparable((await provider.get(ref)).payload)).toEqual(
          comparable(textPayload('x'.repeat(limit))),
        );
        if (maxValueBytes === undefined) return;

        const tooLarge = textPayload('x'.repeat(limit + 1));
        const other = newRef();
        const errors = [
          await rejectionOf(provider.create(other, tooLarge)),
          await rejectionOf(provider.put(ref, tooLarge)),
        ];

        for (const error of errors) expect(error).toBeInstanceOf(PayloadTooLargeError);
        await expect(provider.get(other)).rejects.toBeInstanceOf(NotFoundError);
        expect(payloadSize((await provider.get(ref)).payload)).toBe(limit);
      });
    });

    describe('errors', () => {
      it('a refused write never carries the value in its error', async () => {
        const { provider, newRef } = subject;
        const canary = `canary-${randomUUID()}`;
        const ref = newRef();
        await provider.create(ref, textPayload('first'));

        const errors = [
          await rejectionOf(provider.create(ref, textPayload(canary))),
          await rejectionOf(provider.put(newRef(), textPayload(canary))),
        ];

        expect(errors[0]).toBeInstanceOf(ConflictError);
        expect(errors[1]).toBeInstanceOf(NotFoundError);
        for (const error of errors) {
          expect(String(error)).not.toContain(canary);
          expect(JSON.stringify(error)).not.toContain(canary);
        }
      });

      it('an unreachable vault is a ProviderUnavailableError, and test() reports the step that failed and none after', async () => {
        const { unreachable, lacks } = subject;
        if (!unreachable) {
          expect(lacks?.network, 'a vault without unreachable() says lacks.network').toBe(true);
          return;
        }
        const down = unreachable();

        const error = await rejectionOf(down.get(down.refFor('tenant-a', 'anything')));
        const check = await down.test();

        expect(error).toBeInstanceOf(ProviderUnavailableError);
        expect(check.ok).toBe(false);
        expect(check.steps).toHaveLength(1);
        expect(check.steps[0]?.ok).toBe(false);
      });
    });

    describe('connection', () => {
      it('test answers ok, with the steps it checked', async () => {
        const { provider } = subject;

        const check = await provider.test();

        expect(check.steps.length).toBeGreaterThan(0);
        expect(check.steps.filter((step) => !step.ok)).toEqual([]);
        for (const step of check.steps) {
          expect(step.step.length).toBeGreaterThan(0);
          expect(step.message.length).toBeGreaterThan(0);
        }
        expect(check.ok).toBe(true);
      });

      it('discover lists the secrets created, across pages of at most the limit', async () => {
        const { provider, newRef } = subject;
        const refs = [newRef(), newRef(), newRef()];
        for (const ref of refs) await provider.create(ref, textPayload(`discover ${ref}`));

        const seen: string[] = [];
        const pageSizes: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await provider.discover(cursor === undefined ? { limit: 2 } : { limit: 2, cursor });
          pageSizes.push(page.items.length);
          seen.push(...page.items.map((item) => item.ref));
          cursor = page.cursor;
          if (pageSizes.length > 10_000) expect.fail('discover kept answering a cursor after 10,000 pages');
        } while (cursor !== undefined);

        expect(pageSizes.length).toBeGreaterThanOrEqual(2);
        expect(Math.max(...pageSizes)).toBeLessThanOrEqual(2);
        expect(seen).toEqual(expect.arrayContaining(refs));
        expect(new Set(seen).size).toBe(seen.length);
      });
    });
  });
}

/**
 * The contract of a read-only vault (`lacks.write`): create, put, delete and restore are refused with
 * a typed error and store nothing; get answers `readableRef` and is a NotFoundError for an absent ref;
 * test answers ok; discover lists `readableRef` across pages, or is refused with a typed error.
 */
export function describeReadOnlyProviderContract(label: string, setup: () => Promise<ContractSubject>): void {
  describe(`${label}: the vault port contract, read-only`, () => {
    let subject: ContractSubject;
    let readableRef: string;

    beforeAll(async () => {
      subject = await setup();
      if (!subject.lacks?.write || subject.readableRef === undefined) {
        throw new Error(`${label}: a read-only subject says lacks.write and names a readableRef`);
      }
      readableRef = subject.readableRef;
    });

    it('refuses create, put, soft delete, purge and restore with a typed error, and stores nothing', async () => {
      const { provider, newRef } = subject;
      const ref = newRef();

      const refusals = [
        await rejectionOf(provider.create(ref, textPayload('never stored'))),
        await rejectionOf(provider.put(readableRef, textPayload('never stored'))),
        await rejectionOf(provider.delete(readableRef, { mode: 'soft', recoveryWindowDays: 7 })),
        await rejectionOf(provider.delete(readableRef, { mode: 'purge' })),
        await rejectionOf(provider.restore(readableRef)),
      ];

      for (const error of refusals) expectCapabilityRefusal(error);
      await expect(provider.get(ref)).rejects.toBeInstanceOf(NotFoundError);
      expect((await provider.get(readableRef)).versionId.length).toBeGreaterThan(0);
    });

    it('get answers a non-empty value with a versionId for the readable ref', async () => {
      const { provider } = subject;

      const read = await provider.get(readableRef);

      expect(read.versionId.length).toBeGreaterThan(0);
      expect(payloadSize(read.payload)).toBeGreaterThan(0);
      if (read.payload.kind === 'map') expect(Object.keys(read.payload.data).length).toBeGreaterThan(0);
    });

    it('get of an absent ref is a NotFoundError', async () => {
      const { provider, newRef } = subject;

      const error = await rejectionOf(provider.get(newRef()));

      expect(error).toBeInstanceOf(NotFoundError);
    });

    it('test answers ok, with the steps it checked', async () => {
      const { provider } = subject;

      const check = await provider.test();

      expect(check.steps.length).toBeGreaterThan(0);
      expect(check.steps.filter((step) => !step.ok)).toEqual([]);
      expect(check.ok).toBe(true);
    });

    it('discover lists the readable ref across pages of at most the limit, or is refused', async () => {
      const { provider } = subject;
      const seen: string[] = [];
      const pageSizes: number[] = [];
      let cursor: string | undefined;

      try {
        do {
          const page = await provider.discover(cursor === undefined ? { limit: 1 } : { limit: 1, cursor });
          pageSizes.push(page.items.length);
          seen.push(...page.items.map((item) => item.ref));
          cursor = page.cursor;
          if (pageSizes.length > 10_000) expect.fail('discover kept answering a cursor after 10,000 pages');
        } while (cursor !== undefined);
      } catch (error) {
        if (pageSizes.length > 0) throw error;
        expectCapabilityRefusal(error);
        return;
      }

      expect(Math.max(...pageSizes)).toBeLessThanOrEqual(1);
      expect(seen).toContain(readableRef);
      expect(new Set(seen).size).toBe(seen.length);
    });
  });
}
