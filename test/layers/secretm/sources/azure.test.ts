/**
 * azure:// references through the layer, on the layer's side, with the adapter factory alone: which
 * vault and name it reads, with which identity, and that the value then behaves as any other cached
 * secret. The adapter itself runs against the repo's Key Vault server
 * (test/providers/azure-key-vault-contract.test.ts), whose port is not the 443 an azure:// name implies.
 */
import { describe, expect, it } from 'vitest';
import { createSecretm } from '../../../../layers/secretm/src/index.ts';
import type { ReadableProvider } from '../../../../layers/secretm/src/sources/reader.ts';
import { ValidationError } from '../../../../shared/errors.ts';
import { createAzureKeyVaultProvider } from '../../../../shared/providers/azure-key-vault.ts';
import { fakeClock, rejectionOf } from '../layer-fixtures.ts';

interface Made {
  vaultUrl: string;
  credential: unknown;
  timeoutMs: number | undefined;
}

/** An adapter factory that records what the layer asks of it and answers fixed values. */
function recordingFactory(values: Record<string, string>) {
  const made: Made[] = [];
  const reads: string[] = [];
  const createProvider = (
    config: { vaultUrl: string },
    credential: unknown,
    network: { timeoutMs?: number },
  ) => {
    made.push({ vaultUrl: config.vaultUrl, credential, timeoutMs: network.timeoutMs });
    const provider: ReadableProvider = {
      async get(ref) {
        reads.push(`${config.vaultUrl}|${ref}`);
        const text = values[ref];
        if (text === undefined) throw new ValidationError('absent');
        return { payload: { kind: 'text', text }, versionId: '0123456789abcdef0123456789abcdef' };
      },
    };
    return provider;
  };
  return { createProvider, made, reads };
}

const clientSecret = {
  tenantId: '00000000-0000-0000-0000-000000000001',
  clientId: 'app',
  clientSecret: 'not-a-real-secret',
};

describe('azure:// references', () => {
  it('reads NAME from https://VAULT.vault.azure.net, one adapter per vault, cached like any secret', async () => {
    const factory = recordingFactory({ 'db-password': 'pw', 'api-key': 'k' });
    const secretm = createSecretm({
      azure: { clientSecret, createProvider: factory.createProvider },
      clock: fakeClock(),
    });

    const first = await secretm.getSecret('azure://prod-vault/db-password');
    const again = await secretm.getSecret('azure://prod-vault/db-password');
    const other = await secretm.getSecret('azure://prod-vault/api-key');
    const sovereign = await secretm.getSecret('azure://cn-vault.vault.azure.cn/api-key');

    expect([first, again, other, sovereign]).toEqual(['pw', 'pw', 'k', 'k']);
    expect(factory.made.map((made) => made.vaultUrl)).toEqual([
      'https://prod-vault.vault.azure.net',
      'https://cn-vault.vault.azure.cn',
    ]);
    expect(factory.reads).toEqual([
      'https://prod-vault.vault.azure.net|db-password',
      'https://prod-vault.vault.azure.net|api-key',
      'https://cn-vault.vault.azure.cn|api-key',
    ]);
    expect(factory.made[0]?.timeoutMs).toBe(5_000);
  });

  it('builds an Entra ID client-secret credential from the settings, or takes the one given', async () => {
    const fromSettings = recordingFactory({ s: 'v' });
    const given = { getToken: async () => ({ token: 't', expiresOnTimestamp: 0 }) };
    const passedIn = recordingFactory({ s: 'v' });

    await createSecretm({ azure: { clientSecret, createProvider: fromSettings.createProvider } }).getSecret(
      'azure://vault-a/s',
    );
    await createSecretm({ azure: { credential: given, createProvider: passedIn.createProvider } }).getSecret(
      'azure://vault-a/s',
    );

    expect(fromSettings.made[0]?.credential?.constructor.name).toBe('ClientSecretCredential');
    expect(passedIn.made[0]?.credential).toBe(given);
  });

  it('says what to set when no identity is configured', async () => {
    const error = await rejectionOf(createSecretm().getSecret('azure://vault-a/s'));

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('AZURE_CLIENT_SECRET');
  });

  it('refuses a host outside Azure’s Key Vault domains, so no token is sent elsewhere', async () => {
    const factory = recordingFactory({});
    const secretm = createSecretm({ azure: { clientSecret, createProvider: factory.createProvider } });

    const error = await rejectionOf(secretm.getSecret('azure://vault.example.com/s'));

    expect(error).toBeInstanceOf(ValidationError);
    expect(factory.made).toEqual([]);
  });

  it('builds the shared adapter for the URL the layer derives', () => {
    const provider = createAzureKeyVaultProvider(
      { vaultUrl: 'https://prod-vault.vault.azure.net' },
      {
        getToken: async () => null,
      },
    );

    expect(provider.kind).toBe('azure-key-vault');
  });
});
