import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../local/managed-process.ts';
import { ConflictError, NotFoundError, PayloadTooLargeError, ValidationError } from '../../shared/errors.ts';
import {
  createHashicorpVaultProvider,
  type HashicorpVaultCredentials,
} from '../../shared/providers/hashicorp-vault.ts';
import type { SecretProvider } from '../../shared/providers/provider.ts';
import {
  appRoleWithPolicy,
  baoApi,
  baoOk,
  enableKvV2,
  kvPolicy,
  uniqueName,
} from './hashicorp-vault-fixtures.ts';
import { describeProviderContract } from './provider-contract.ts';

describeProviderContract('hashicorp-vault kv-v2 on OpenBao, with AppRole', async () => {
  const mount = await enableKvV2();
  const { roleId, secretId } = await appRoleWithPolicy(kvPolicy(mount));
  const provider = createHashicorpVaultProvider(
    { url: inject('openbaoAddress'), engine: { type: 'kv-v2', mount } },
    { roleId, secretId },
  );
  const nowhere = `http://127.0.0.1:${await freePort()}`;
  return {
    provider,
    newRef: () => provider.refFor('tenant-a', `secret-${randomUUID()}`),
    metadataOf: async (ref) => {
      const custom = ((await baoOk(`${mount}/metadata/${ref}`)).data?.custom_metadata ?? {}) as Record<
        string,
        string
      >;
      const tags = Object.fromEntries(
        Object.entries(custom).flatMap(([key, tag]) => (key.startsWith('tag:') ? [[key.slice(4), tag]] : [])),
      );
      return { ...(custom.description === undefined ? {} : { description: custom.description }), tags };
    },
    unreachable: () =>
      createHashicorpVaultProvider(
        { url: nowhere, engine: { type: 'kv-v2', mount } },
        { roleId, secretId },
        { timeoutMs: 2_000 },
      ),
  };
});

function kvProvider(
  mount: string,
  credentials: HashicorpVaultCredentials,
  namespace?: string,
): SecretProvider {
  return createHashicorpVaultProvider(
    { url: inject('openbaoAddress'), engine: { type: 'kv-v2', mount }, ...(namespace ? { namespace } : {}) },
    credentials,
  );
}

async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  return expect.fail('the call succeeded, but it should have been refused');
}

describe('hashicorp-vault kv-v2', () => {
  let mount: string;
  let provider: SecretProvider;
  const newRef = () => provider.refFor('tenant-a', `secret-${randomUUID()}`);

  beforeAll(async () => {
    mount = await enableKvV2();
    const { roleId, secretId } = await appRoleWithPolicy(kvPolicy(mount));
    provider = kvProvider(mount, { roleId, secretId });
  });

  describe('payload shapes', () => {
    it('detects a secret written directly with the HTTP API as a map', async () => {
      const ref = `imported/${randomUUID()}/db`;
      await baoOk(`${mount}/data/${ref}`, { body: { data: { host: 'db.internal', port: '5432' } } });

      const read = await provider.get(ref);

      expect(read).toEqual({
        payload: { kind: 'map', data: { host: 'db.internal', port: '5432' } },
        versionId: '1',
      });
    });

    it('reads foreign data with non-string values as its JSON text, or as a map of JSON when asked for a map', async () => {
      const ref = `imported/${randomUUID()}/nested`;
      await baoOk(`${mount}/data/${ref}`, { body: { data: { name: 'x', replicas: 3, labels: { a: 'b' } } } });

      const detected = await provider.get(ref);
      const asMap = await provider.get(ref, { kind: 'map' });

      expect(detected.payload.kind).toBe('text');
      expect(detected.payload.kind === 'text' && JSON.parse(detected.payload.text)).toEqual({
        name: 'x',
        replicas: 3,
        labels: { a: 'b' },
      });
      expect(asMap.payload).toEqual({ kind: 'map', data: { name: 'x', replicas: '3', labels: '{"a":"b"}' } });
    });

    it('stores text and binary in the documented shape, readable by any Vault tool', async () => {
      const textRef = newRef();
      const binaryRef = newRef();
      await provider.create(textRef, { kind: 'text', text: '{"looks":"like json"}' });
      await provider.create(binaryRef, { kind: 'binary', bytes: Uint8Array.from([0, 255, 1]) });

      const text = await baoOk(`${mount}/data/${textRef}`);
      const binary = await baoOk(`${mount}/data/${binaryRef}`);
      const readBack = await provider.get(textRef);

      expect(text.data?.data).toEqual({ content: '{"looks":"like json"}', 'secretm:kind': 'text' });
      expect(binary.data?.data).toEqual({ content_base64: 'AP8B', 'secretm:kind': 'binary' });
      expect(readBack.payload).toEqual({ kind: 'text', text: '{"looks":"like json"}' });
    });

    it('decodes a foreign {content} secret as text when the kind hint says text', async () => {
      const ref = `imported/${randomUUID()}/cert`;
      await baoOk(`${mount}/data/${ref}`, { body: { data: { content: 'PEM text' } } });

      const hinted = await provider.get(ref, { kind: 'text' });
      const detected = await provider.get(ref);

      expect(hinted.payload).toEqual({ kind: 'text', text: 'PEM text' });
      expect(detected.payload).toEqual({ kind: 'map', data: { content: 'PEM text' } });
    });

    it('refuses a map that uses the reserved key secretm:kind, and stores nothing', async () => {
      const ref = newRef();

      const error = await rejectionOf(
        provider.create(ref, { kind: 'map', data: { 'secretm:kind': 'text' } }),
      );

      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(/reserved/);
      expect(await rejectionOf(provider.get(ref))).toBeInstanceOf(NotFoundError);
    });

    it('refuses a value over the vault request limit with a PayloadTooLargeError that holds no value', async () => {
      const ref = newRef();
      const text = `canary-${'x'.repeat(33 * 1024 * 1024)}`;

      const error = await rejectionOf(provider.create(ref, { kind: 'text', text }));

      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect((error as Error).message).not.toContain('canary-');
      expect(await rejectionOf(provider.get(ref))).toBeInstanceOf(NotFoundError);
    });
  });

  describe('writes', () => {
    it('keeps versions as KV version numbers counted from 1', async () => {
      const ref = newRef();

      const ids = [
        (await provider.create(ref, { kind: 'text', text: 'a' })).versionId,
        (await provider.put(ref, { kind: 'text', text: 'b' })).versionId,
        (await provider.put(ref, { kind: 'text', text: 'c' })).versionId,
      ];

      expect(ids).toEqual(['1', '2', '3']);
      expect((await baoOk(`${mount}/metadata/${ref}`)).data?.current_version).toBe(3);
    });

    it('refuses an idempotency token reused with another value with a ConflictError naming no value', async () => {
      const ref = newRef();
      const idempotencyToken = randomUUID();
      await provider.create(ref, { kind: 'text', text: 'first' });
      await provider.put(ref, { kind: 'text', text: 'second' }, { idempotencyToken });

      const onPut = await rejectionOf(
        provider.put(ref, { kind: 'text', text: 'third' }, { idempotencyToken }),
      );
      const onCreate = await rejectionOf(
        provider.create(ref, { kind: 'text', text: 'third' }, { idempotencyToken }),
      );

      expect(onPut).toBeInstanceOf(ConflictError);
      expect((onPut as Error).message).toMatch(/idempotency token/);
      expect((onPut as Error).message).not.toContain('third');
      expect(onCreate).toBeInstanceOf(ConflictError);
      expect((await provider.get(ref)).payload).toEqual({ kind: 'text', text: 'second' });
    });

    it('keeps the idempotency token, description and tags in custom_metadata', async () => {
      const ref = newRef();
      const idempotencyToken = randomUUID();

      await provider.create(
        ref,
        { kind: 'map', data: { A: '1' } },
        { idempotencyToken, description: 'the billing database', tags: { team: 'billing' } },
      );

      expect((await baoOk(`${mount}/metadata/${ref}`)).data?.custom_metadata).toEqual({
        'secretm-idempotency-token': idempotencyToken,
        'secretm-idempotency-version': '1',
        description: 'the billing database',
        'tag:team': 'billing',
      });
    });

    it('answers a repeated create with the first version even after later puts', async () => {
      const ref = newRef();
      const idempotencyToken = randomUUID();
      const first = await provider.create(ref, { kind: 'map', data: { A: '1' } }, { idempotencyToken });
      await provider.put(ref, { kind: 'map', data: { A: '2' } });

      const again = await provider.create(ref, { kind: 'map', data: { A: '1' } }, { idempotencyToken });

      expect(again).toEqual(first);
      expect((await provider.get(ref)).payload).toEqual({ kind: 'map', data: { A: '2' } });
    });
  });

  describe('soft delete and recovery window', () => {
    it('records the deadline in custom_metadata and hides every version until restore', async () => {
      const ref = newRef();
      const first = await provider.create(ref, { kind: 'text', text: 'one' });
      await provider.put(ref, { kind: 'text', text: 'two' });

      await provider.delete(ref, { mode: 'soft', recoveryWindowDays: 7 });

      const custom = (await baoOk(`${mount}/metadata/${ref}`)).data?.custom_metadata as Record<
        string,
        string
      >;
      const deletedAt = Date.parse(custom['secretm-deleted-at']!);
      expect(Date.parse(custom['secretm-purge-after']!) - deletedAt).toBe(7 * 24 * 60 * 60 * 1000);
      expect(await rejectionOf(provider.get(ref, { versionId: first.versionId }))).toBeInstanceOf(
        NotFoundError,
      );
      expect(await rejectionOf(provider.put(ref, { kind: 'text', text: 'x' }))).toBeInstanceOf(NotFoundError);
      const conflict = await rejectionOf(provider.create(ref, { kind: 'text', text: 'x' }));
      expect(conflict).toBeInstanceOf(ConflictError);
      expect((conflict as Error).message).toMatch(/scheduled for deletion/);
      expect(await rejectionOf(provider.delete(ref, { mode: 'soft', recoveryWindowDays: 7 }))).toBeInstanceOf(
        NotFoundError,
      );

      await provider.restore(ref);

      expect((await provider.get(ref, { versionId: first.versionId })).payload).toEqual({
        kind: 'text',
        text: 'one',
      });
      expect((await provider.get(ref)).payload).toEqual({ kind: 'text', text: 'two' });
      expect((await baoOk(`${mount}/metadata/${ref}`)).data?.custom_metadata ?? {}).toEqual({});
    });

    it('counts a secret past its recovery deadline as purged: restore is NotFound, create starts over', async () => {
      const ref = newRef();
      await provider.create(ref, { kind: 'text', text: 'old life' });
      await provider.put(ref, { kind: 'text', text: 'old life, second version' });
      await provider.delete(ref, { mode: 'soft', recoveryWindowDays: 7 });
      await baoOk(`${mount}/metadata/${ref}`, {
        method: 'POST',
        body: { custom_metadata: { 'secretm-purge-after': new Date(Date.now() - 1000).toISOString() } },
      });

      const restore = await rejectionOf(provider.restore(ref));
      const created = await provider.create(ref, { kind: 'text', text: 'new life' });

      expect(restore).toBeInstanceOf(NotFoundError);
      expect(created.versionId).toBe('1');
      expect((await provider.get(ref)).payload).toEqual({ kind: 'text', text: 'new life' });
    });

    it('refuses a recovery window outside 7 to 30 days with a ValidationError and keeps the secret', async () => {
      const ref = newRef();
      await provider.create(ref, { kind: 'text', text: 'kept' });

      const tooShort = await rejectionOf(provider.delete(ref, { mode: 'soft', recoveryWindowDays: 6 }));
      const tooLong = await rejectionOf(provider.delete(ref, { mode: 'soft', recoveryWindowDays: 31 }));

      expect(tooShort).toBeInstanceOf(ValidationError);
      expect(tooLong).toBeInstanceOf(ValidationError);
      expect((await provider.get(ref)).payload).toEqual({ kind: 'text', text: 'kept' });
    });

    it('answers NotFoundError to restore of a live secret and to purge of an absent one', async () => {
      const ref = newRef();
      await provider.create(ref, { kind: 'text', text: 'alive' });

      const restore = await rejectionOf(provider.restore(ref));
      const purge = await rejectionOf(provider.delete(newRef(), { mode: 'purge' }));

      expect(restore).toBeInstanceOf(NotFoundError);
      expect(purge).toBeInstanceOf(NotFoundError);
    });
  });

  describe('discover', () => {
    it('walks nested folders in path order, without soft-deleted secrets', async () => {
      const own = await enableKvV2();
      const { roleId, secretId } = await appRoleWithPolicy(kvPolicy(own));
      const vault = kvProvider(own, { roleId, secretId });
      for (const path of ['b', 'a/z', 'a/b/c', 'a-b', 'a', 'c/gone']) {
        await baoOk(`${own}/data/${path}`, { body: { data: { k: path } } });
      }
      await vault.delete('c/gone', { mode: 'soft', recoveryWindowDays: 7 });

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await vault.discover(cursor === undefined ? { limit: 2 } : { limit: 2, cursor });
        seen.push(...page.items.map((item) => item.ref));
        cursor = page.cursor;
      } while (cursor !== undefined && seen.length < 100);

      expect(seen).toEqual(['a', 'a-b', 'a/b/c', 'a/z', 'b']);
    });

    it('answers the dates of each secret', async () => {
      const ref = newRef();
      await provider.create(ref, { kind: 'text', text: 'dated' });

      const items: { ref: string; createdAt?: string }[] = [];
      let cursor: string | undefined;
      do {
        const page = await provider.discover(cursor === undefined ? {} : { cursor });
        items.push(...page.items);
        cursor = page.cursor;
      } while (cursor !== undefined);

      const found = items.find((item) => item.ref === ref);
      expect(found?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    });

    it('refuses a cursor it did not issue with a ValidationError', async () => {
      const error = await rejectionOf(provider.discover({ cursor: 'not-a-cursor' }));

      expect(error).toBeInstanceOf(ValidationError);
    });
  });

  describe('test', () => {
    it('names the capabilities a policy lacks', async () => {
      const { roleId, secretId } = await appRoleWithPolicy(
        `path "${mount}/data/*" { capabilities = ["read"] }`,
      );
      const readOnly = kvProvider(mount, { roleId, secretId });

      const check = await readOnly.test();

      expect(check.ok).toBe(false);
      expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
        ['reach', true],
        ['authenticate', true],
        ['mount', true],
        ['permissions', false],
      ]);
      expect(check.steps.at(-1)?.message).toMatch(
        /lack create, update on "kv-[0-9a-f]{8}\/data\/secretm\/\*"/,
      );
    });

    it('says when the mount is not KV version 2', async () => {
      const kv1 = uniqueName('kv1');
      await baoOk(`sys/mounts/${kv1}`, { body: { type: 'kv', options: { version: '1' } } });
      const onKv1 = kvProvider(kv1, { token: inject('openbaoRootToken') });

      const check = await onKv1.test();

      expect(check.ok).toBe(false);
      expect(check.steps.at(-1)).toMatchObject({ step: 'mount', ok: false });
      expect(check.steps.at(-1)?.message).toMatch(/not KV version 2/);
    });
  });

  describe('namespaces', () => {
    it('reads and writes inside the connection namespace only', async () => {
      const namespace = uniqueName('team');
      await baoOk(`sys/namespaces/${namespace}`, { body: {} });
      const nsMount = await enableKvV2(namespace);
      const credentials = await appRoleWithPolicy(kvPolicy(nsMount), { namespace });
      const inNamespace = kvProvider(
        nsMount,
        { roleId: credentials.roleId, secretId: credentials.secretId },
        namespace,
      );
      const ref = inNamespace.refFor('tenant-a', 'in-a-namespace');

      await inNamespace.create(ref, { kind: 'map', data: { WHERE: 'namespace' } });
      const check = await inNamespace.test();

      expect((await inNamespace.get(ref)).payload).toEqual({ kind: 'map', data: { WHERE: 'namespace' } });
      expect((await baoOk(`${nsMount}/data/${ref}`, { namespace })).data?.data).toEqual({
        WHERE: 'namespace',
      });
      expect((await baoApi(`${nsMount}/data/${ref}`)).status).toBe(404);
      expect(check.steps.filter((step) => !step.ok)).toEqual([]);
    });
  });
});
