/**
 * The azure-key-vault adapter through the real `@azure/keyvault-secrets` client against the repo's Key
 * Vault server: the shared port contract, then what only Key Vault does — challenge authentication,
 * permissions, the vault's own retention instead of a recovery window, purge protection, a vault
 * without soft delete, and deletes, recoveries and purges that complete in the background.
 */
import { randomUUID } from 'node:crypto';
import { CredentialUnavailableError } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ProviderUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
  ValidationError,
} from '../../shared/errors.ts';
import { azureMaxValueBytes } from '../../shared/providers/azure-key-vault.ts';
import type { SecretProvider } from '../../shared/providers/provider.ts';
import { type KeyVaultServer, startKeyVaultServer } from '../servers/azure-key-vault.ts';
import {
  adapterOn,
  metadataOf,
  StaticTokenCredential,
  sdkOn,
  unreachableAdapter,
} from './azure-key-vault-fixtures.ts';
import { describeProviderContract } from './provider-contract.ts';

describeProviderContract('azure-key-vault on the repo’s Key Vault server', async () => {
  // Deletes, recoveries and purges take a moment, as in Key Vault: the adapter waits for each.
  const server = await startKeyVaultServer({ settleMs: 40 });
  const provider = adapterOn(server);
  const sdk = sdkOn(server);
  const down = await unreachableAdapter();
  return {
    provider,
    newRef: () => provider.refFor('tenant-a', `secret-${randomUUID()}`),
    metadataOf: (ref) => metadataOf(sdk, ref),
    maxValueBytes: azureMaxValueBytes,
    unreachable: () => down,
    dispose: server.stop,
  };
});

async function rejectionOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  return expect.fail('the call succeeded, but it should have been refused');
}

const servers: KeyVaultServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

async function vault(options: Parameters<typeof startKeyVaultServer>[0] = {}) {
  const server = await startKeyVaultServer(options);
  servers.push(server);
  return server;
}

const value = { kind: 'text', text: 'a value' } as const;

describe('azure-key-vault adapter on the Key Vault server', () => {
  let server: KeyVaultServer;
  let provider: SecretProvider;
  const newRef = () => provider.refFor('acme', `s-${randomUUID().slice(0, 8)}`);

  beforeAll(async () => {
    server = await vault();
    provider = adapterOn(server);
  });

  it('answers the vault’s challenge with the credential’s token, asking it once for many calls', async () => {
    const credential = new StaticTokenCredential();
    const adapter = adapterOn(server, { credential });
    const before = server.requests.length;

    await adapter.create(newRef(), value);
    await adapter.get(newRef()).catch(() => undefined);

    const seen = server.requests.slice(before);
    expect(seen[0]).toMatchObject({ authorized: false });
    expect(seen.slice(1).every((request) => request.authorized)).toBe(true);
    expect(credential.calls).toBe(1);
  });

  it('is refused with UnauthorizedError, and test() stops at authenticate, when the vault refuses the token', async () => {
    const adapter = adapterOn(server, { credential: new StaticTokenCredential('not-the-token') });

    const error = await rejectionOf(adapter.get(newRef()));
    const check = await adapter.test();

    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
      ['reach the vault', true],
      ['authenticate', false],
    ]);
  });

  it('says which permission is missing, and test() stops at the list step, when the vault forbids it', async () => {
    const narrow = adapterOn(await vault({ permissions: ['get', 'set'] }));

    const check = await narrow.test();
    const purge = await rejectionOf(narrow.delete(narrow.refFor('acme', 'x'), { mode: 'purge' }));

    expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
      ['reach the vault', true],
      ['authenticate', true],
      ['list secrets', false],
    ]);
    expect(purge).toBeInstanceOf(ForbiddenError);
    expect((purge as Error).message).toMatch(/Key Vault Secrets Officer/);
  });

  it('soft-deletes for the vault’s retention, whatever recovery window is asked, and keeps the name taken', async () => {
    const ref = newRef();
    await provider.create(ref, value);

    await provider.delete(ref, { mode: 'soft', recoveryWindowDays: 7 });
    const deleted = await sdkOn(server).getDeletedSecret(ref);
    const reuse = await rejectionOf(provider.create(ref, value));

    const days =
      (deleted.properties.scheduledPurgeDate!.getTime() - deleted.properties.deletedOn!.getTime()) /
      86_400_000;
    expect(days).toBe(90);
    expect(deleted.properties.recoveryLevel).toBe('Recoverable+Purgeable');
    expect(reuse).toBeInstanceOf(ConflictError);
    expect((reuse as Error).message).toMatch(/deleted but still recoverable/);
  });

  it('refuses to purge in a vault with purge protection (ForbiddenError), and the secret stays recoverable', async () => {
    const protectedVault = adapterOn(await vault({ purgeProtection: true, retentionDays: 7 }));
    const ref = protectedVault.refFor('acme', 'kept');
    await protectedVault.create(ref, value);

    const error = await rejectionOf(protectedVault.delete(ref, { mode: 'purge' }));
    await protectedVault.restore(ref);

    expect(error).toBeInstanceOf(ForbiddenError);
    expect((await protectedVault.get(ref)).payload).toEqual(value);
  });

  it('deletes for good in a vault without soft delete: no restore, and the name is free at once', async () => {
    const final = adapterOn(await vault({ retentionDays: 0 }));
    const ref = final.refFor('acme', 'gone');
    await final.create(ref, value);

    await final.delete(ref, { mode: 'purge' });
    const restore = await rejectionOf(final.restore(ref));
    await final.create(ref, { kind: 'text', text: 'again' });

    expect(restore).toBeInstanceOf(NotFoundError);
    expect((await final.get(ref)).payload).toEqual({ kind: 'text', text: 'again' });
  });

  it('writes tags on the current version only, and a put carries them to the next', async () => {
    const ref = newRef();
    const first = await provider.create(ref, value, { tags: { team: 'a' } });
    await provider.updateMetadata!(ref, { tags: { team: 'b' } });

    const second = await provider.put(ref, { kind: 'text', text: 'next' });

    const sdk = sdkOn(server);
    expect((await sdk.getSecret(ref, { version: first.versionId })).properties.tags).toEqual({ team: 'b' });
    expect((await sdk.getSecret(ref, { version: second.versionId })).properties.tags).toEqual({ team: 'b' });
  });
  it('leaves out of discover the secrets that back certificates, which Key Vault manages', async () => {
    const withCertificate = await vault();
    withCertificate.addCertificate('web-tls', 'pfx bytes');
    const adapter = adapterOn(withCertificate);
    await adapter.create(adapter.refFor('acme', 'plain'), value);

    const found = await adapter.discover({ limit: 25 });

    expect(found.items.map((item) => item.ref)).toEqual([adapter.refFor('acme', 'plain')]);
  });

  it('answers ConflictError for a name Key Vault is still deleting, which neither reads nor lists as deleted', async () => {
    const slowServer = await vault({ settleMs: 1_000 });
    const slow = adapterOn(slowServer);
    const ref = slow.refFor('acme', 'slow');
    await slow.create(ref, value);
    // Another client deletes it, and does not wait for the deletion to complete.
    const deletion = await sdkOn(slowServer).beginDeleteSecret(ref, { intervalInMs: 100 });

    const error = await rejectionOf(slow.create(ref, value));
    await deletion.pollUntilDone();

    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/conflicting state \(Conflict\)/);
  });

  it('passes on the vault’s refusal of a tag name longer than Key Vault allows as a ValidationError', async () => {
    const error = await rejectionOf(provider.create(newRef(), value, { tags: { ['t'.repeat(513)]: 'v' } }));

    expect(error).toBeInstanceOf(ValidationError);
  });

  it('answers TooManyRequestsError when the vault throttles, and ProviderUnavailableError when it fails', async () => {
    const throttled = adapterOn(await vault({ outage: { status: 429, code: 'Throttled' } }));
    const failing = adapterOn(await vault({ outage: { status: 503, code: 'ServiceUnavailable' } }));

    const errors = [
      await rejectionOf(throttled.get(throttled.refFor('acme', 'x'))),
      await rejectionOf(failing.get(failing.refFor('acme', 'x'))),
    ];

    expect(errors[0]).toBeInstanceOf(TooManyRequestsError);
    expect(errors[1]).toBeInstanceOf(ProviderUnavailableError);
  });

  it('says Entra ID gave no token, and test() stops at authenticate, when the credential cannot get one', async () => {
    // A fault of Entra ID, which no vault server produces: the credential itself refuses.
    const noToken = adapterOn(server, {
      credential: {
        getToken: async () => {
          throw new CredentialUnavailableError('no identity is configured');
        },
      },
    });

    const error = await rejectionOf(noToken.get(newRef()));
    const check = await noToken.test();

    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as Error).message).toMatch(/Entra ID gave no token/);
    expect(check.steps.map((step) => [step.step, step.ok])).toEqual([
      ['reach the vault', true],
      ['authenticate', false],
    ]);
  });
});
