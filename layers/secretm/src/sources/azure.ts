/**
 * Azure Key Vault for the layer: `azure://VAULT/NAME` through the shared adapter
 * (shared/providers/azure-key-vault.ts), one adapter per vault, all with one credential: the one passed
 * in, else the client secret of AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.
 *
 * Loaded only when an Azure secret is first read: this module is the one that pulls in the Azure SDK.
 */
import type { TokenCredential } from '@azure/core-auth';
import { ValidationError } from '../../../../shared/errors.ts';
import {
  type AzureClientSecret,
  type AzureKeyVaultConfig,
  createAzureClientSecretCredential,
  createAzureKeyVaultProvider,
} from '../../../../shared/providers/azure-key-vault.ts';
import type { NetworkOptions } from '../../../../shared/providers/provider.ts';
import { parseReference } from '../references.ts';
import type { ReadableProvider, RequestCounter, SecretReader } from './reader.ts';

export interface AzureSourceOptions {
  credential?: TokenCredential;
  clientSecret?: AzureClientSecret;
  timeoutMs?: number;
  /** The adapter factory; the shared adapter unless a test passes another. */
  createProvider?: (
    config: AzureKeyVaultConfig,
    credential: TokenCredential,
    network: NetworkOptions,
  ) => ReadableProvider;
}

export function createAzureReader(options: AzureSourceOptions, count: RequestCounter): SecretReader {
  const createProvider = options.createProvider ?? createAzureKeyVaultProvider;
  const providers = new Map<string, ReadableProvider>();
  let credential = options.credential;

  const providerFor = (vaultUrl: string): ReadableProvider => {
    let provider = providers.get(vaultUrl);
    if (provider === undefined) {
      if (credential === undefined) {
        if (!options.clientSecret) {
          throw new ValidationError(
            'an azure:// secret needs an Entra ID identity: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or pass a credential',
          );
        }
        credential = createAzureClientSecretCredential(options.clientSecret);
      }
      provider = createProvider(
        { vaultUrl },
        credential,
        options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
      );
      providers.set(vaultUrl, provider);
    }
    return provider;
  };

  return {
    async read(ref, readOptions = {}) {
      const reference = parseReference(ref, false);
      if (reference.scheme !== 'azure')
        throw new ValidationError('the Azure reader reads azure:// references only');
      const provider = providerFor(reference.vaultUrl);
      // Counted under the whole reference: the same name in two vaults is two secrets.
      count('azure:get-secret', ref);
      return provider.get(reference.name, readOptions);
    },
  };
}
