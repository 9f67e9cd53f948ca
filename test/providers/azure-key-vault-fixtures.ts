/**
 * The azure-key-vault adapter on the repo's Key Vault server (test/servers/azure-key-vault.ts), always
 * with a static token credential: nothing in these tests ever asks Entra ID for a token.
 */
import { Agent } from 'node:https';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';
import { freePort } from '../../local/managed-process.ts';
import { createAzureKeyVaultProvider } from '../../shared/providers/azure-key-vault.ts';
import type { NetworkOptions, SecretProvider } from '../../shared/providers/provider.ts';
import { type KeyVaultServer, keyVaultTestToken } from '../servers/azure-key-vault.ts';

/** A fixed token, counted: what the Key Vault test server accepts (or any other, to be refused). */
export class StaticTokenCredential implements TokenCredential {
  calls = 0;
  readonly token: string;

  constructor(token = keyVaultTestToken) {
    this.token = token;
  }

  async getToken(): Promise<AccessToken> {
    this.calls++;
    return { token: this.token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 };
  }
}

/** The adapter on `server`, trusting its certificate. */
export function adapterOn(
  server: KeyVaultServer,
  options: { credential?: TokenCredential; network?: NetworkOptions } = {},
): SecretProvider {
  return createAzureKeyVaultProvider(
    { vaultUrl: server.url },
    options.credential ?? new StaticTokenCredential(),
    {
      caCert: server.caCert,
      timeoutMs: 10_000,
      ...options.network,
    },
  );
}

/** The same adapter where nothing listens. */
export async function unreachableAdapter(): Promise<SecretProvider> {
  return createAzureKeyVaultProvider(
    { vaultUrl: `https://127.0.0.1:${await freePort()}` },
    new StaticTokenCredential(),
    {
      timeoutMs: 5_000,
    },
  );
}

/** The SDK's own client on `server`, to look at what the vault holds without the adapter. */
export function sdkOn(server: KeyVaultServer): SecretClient {
  return new SecretClient(server.url, new StaticTokenCredential(), {
    serviceVersion: '7.5',
    disableChallengeResourceVerification: true,
    agent: new Agent({ ca: server.caCert }),
  });
}

const descriptionTag = 'secretm-description';
const tokenTag = 'secretm-idempotency-token';

/** The description and tags Key Vault shows for a secret's current version, secretm's bookkeeping told apart. */
export async function metadataOf(
  client: SecretClient,
  ref: string,
): Promise<{ description?: string; tags: Record<string, string> }> {
  const { properties } = await client.getSecret(ref);
  const { [descriptionTag]: description, [tokenTag]: _token, ...tags } = properties.tags ?? {};
  return { ...(description === undefined ? {} : { description }), tags };
}
