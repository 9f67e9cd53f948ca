import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../shared/errors.ts';
import { createLocalVault } from '../../shared/providers/local.ts';
import type { SecretProvider } from '../../shared/providers/provider.ts';
import { canonicalRef } from '../../shared/tenancy/canonical-ref.ts';
import { confinedProvider, type RefusedRef } from '../../shared/tenancy/confined-provider.ts';
import { vaultNamespace } from '../../shared/tenancy/vault-namespace.ts';
import { rejectionOf } from '../store/store-fixtures.ts';

const namespace = vaultNamespace('dev');
const value = { kind: 'map' as const, data: { PASSWORD: 's3cret' } };
let dir: string;
let raw: SecretProvider;
let acme: SecretProvider;
let other: SecretProvider;
const refused: RefusedRef[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'secretm-confined-'));
  raw = createLocalVault({ dir, namePrefix: namespace.stagePrefix });
  acme = confinedProvider(raw, {
    namespace,
    tenant: 'acme',
    alsoAllowed: ['legacy/acme-db', 'legacy/acme/*'],
    onRefused: async (refusal) => {
      refused.push(refusal);
    },
  });
  other = confinedProvider(raw, { namespace, tenant: 'other' });
  await raw.create('secretm/dev/other/prod-db', value);
  await raw.create(namespace.connectionCredentialsRef('other', 'vault-1'), value);
  await raw.create('secretm/prod/acme/prod-db', value);
  await raw.create('legacy/acme-db', value);
  await raw.create('legacy/other-db', value);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The message a confined vault answers for an absent ref of its own, with `ref` in its place. */
async function absentMessage(provider: SecretProvider, ref: string): Promise<string> {
  const absentRef = 'secretm/dev/acme/never-created';
  const error = await rejectionOf(provider.get(absentRef));
  expect(error).toBeInstanceOf(NotFoundError);
  return (error as Error).message.replace(absentRef, ref);
}

describe('a built-in vault confined to one tenant', () => {
  it('names, writes and reads refs in its own namespace', async () => {
    const ref = acme.refFor('acme', 'api-token');
    expect(ref).toBe('secretm/dev/acme/api-token');
    await acme.create(ref, value);
    expect((await acme.get(ref)).payload).toEqual(value);
    // Another spelling of the same ref reaches the same secret.
    expect((await acme.get('SECRETM/dev/ACME/./api-token')).payload).toEqual(value);
  });

  it.each([
    ['another tenant’s secret', 'secretm/dev/other/prod-db'],
    ['it encoded', 'secretm%2Fdev%2Fother%2Fprod-db'],
    ['it encoded twice', 'secretm%252Fdev%252Fother%252Fprod-db'],
    ['it by climbing', 'secretm/dev/acme/../other/prod-db'],
    ['it with doubled slashes', 'secretm//dev//other//prod-db'],
    ['it in capitals', 'SECRETM/DEV/OTHER/prod-db'],
    ['it with trailing dots', 'secretm/dev/other./prod-db'],
    ['another stage’s secret of the same tenant', 'secretm/prod/acme/prod-db'],
    ['a connection’s credentials', 'secretm/dev/_system/tenants/other/connections/vault-1'],
    ['its own connection credentials', 'secretm/dev/_system/tenants/acme/connections/vault-1'],
    ['a ref outside every namespace', 'legacy/other-db'],
  ])('answers %s exactly as an absent ref, and never reaches the vault with it', async (_what, ref) => {
    refused.length = 0;
    const error = await rejectionOf(acme.get(ref));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe(await absentMessage(acme, canonicalRef(ref)!));
    expect(refused).toEqual([
      { ref, canonical: canonicalRef(ref), owner: namespace.ownerOf(canonicalRef(ref)!) },
    ]);
    // Writes and deletes through the refused ref change nothing in the vault.
    await expect(rejectionOf(acme.put(ref, { kind: 'text', text: 'x' }))).resolves.toBeInstanceOf(
      NotFoundError,
    );
    await expect(rejectionOf(acme.delete(ref, { mode: 'purge' }))).resolves.toBeInstanceOf(NotFoundError);
    const held = await raw.get(canonicalRef(ref)!).catch(() => undefined);
    if (held) expect(held.payload).toEqual(value);
  });

  it('tells who owns a refused ref, for that owner’s audit', async () => {
    refused.length = 0;
    await rejectionOf(acme.get('secretm%2Fdev%2Fother%2Fprod-db'));
    await rejectionOf(acme.get('secretm/dev/_system/operator-key'));
    await rejectionOf(acme.get('secretm/prod/acme/prod-db'));
    await rejectionOf(acme.get('secretm/dev/_system/tenants/other/held/prod-db'));
    expect(refused.map((refusal) => refusal.owner)).toEqual([
      { tenant: 'other' },
      'system',
      undefined,
      { tenant: 'other' },
    ]);
  });

  it('reaches the existing secrets the deployment lets this tenant adopt, and only those', async () => {
    expect((await acme.get('legacy/acme-db')).payload).toEqual(value);
    await expect(rejectionOf(other.get('legacy/acme-db'))).resolves.toBeInstanceOf(NotFoundError);
  });

  it('discovers its own namespace only', async () => {
    const { items } = await acme.discover({ limit: 100 });
    expect(items.map((item) => item.ref)).toEqual(['secretm/dev/acme/api-token']);
    const { items: theirs } = await other.discover({ limit: 100 });
    expect(theirs.map((item) => item.ref)).toEqual(['secretm/dev/other/prod-db']);
  });

  it('refuses to name a ref for another tenant', () => {
    expect(() => acme.refFor('other', 'prod-db')).toThrow(/own tenant/);
  });
});
