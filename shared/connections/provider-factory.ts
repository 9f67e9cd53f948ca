/**
 * Builds the vault adapter of a connection. The registry is keyed by vault kind, so a kind without a
 * factory does not compile; each adapter is imported when first needed, so a function that only
 * uses AWS never loads the Azure or Vault code.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { Clock } from '../clock.ts';
import { ValidationError } from '../errors.ts';
import type { AwsCredentials } from '../providers/aws-secrets-manager.ts';
import type { AzureClientSecret } from '../providers/azure-key-vault.ts';
import type { SecretProvider, VaultKind } from '../providers/provider.ts';
import type { ConnectionCredentials, ConnectionRecord } from './connection-types.ts';
import type { NetworkPolicy } from './network-policy.ts';

export interface FactoryContext {
  network: NetworkPolicy;
  clock: Clock;
  /** The local vault, for `local` connections (local mode only). */
  localVault?: SecretProvider;
  /**
   * What a Secrets Manager connection without credentials of its own runs on (and assumes its role
   * with): the tenant's session in an AWS deployment, so it reaches what the tenant may, no more.
   */
  awsCredentials?: () => Promise<AwsCredentials>;
  /**
   * Makes an Azure connection's token credential from its stored client secret. Unset in every
   * deployment (an Entra ID client-secret credential); tests give a static token credential, since
   * nothing here may ask Entra ID for a token.
   */
  azureCredential?: (credentials: AzureClientSecret) => TokenCredential;
}

type Factory<K extends VaultKind> = (
  record: Extract<ConnectionRecord, { kind: K }>,
  credentials: ConnectionCredentials | undefined,
  context: FactoryContext,
) => Promise<SecretProvider>;

const factories: { [K in VaultKind]: Factory<K> } = {
  'aws-secrets-manager': async ({ config }, credentials, { network, awsCredentials }) => {
    const { createAwsSecretsManagerProvider } = await import('../providers/aws-secrets-manager.ts');
    const checked = config.endpoint ? network.forUrl(config.endpoint, 'config.endpoint') : undefined;
    return createAwsSecretsManagerProvider(
      {
        ...config,
        ...(checked ? { endpoint: checked.url.toString().replace(/\/$/, '') } : {}),
        ...(credentials
          ? {
              credentials: {
                accessKeyId: credentials.accessKeyId!,
                secretAccessKey: credentials.secretAccessKey!,
                ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
              },
            }
          : awsCredentials
            ? { credentials: awsCredentials }
            : {}),
      },
      checked?.network ?? network.defaults,
    );
  },
  'hashicorp-vault': async ({ config }, credentials, { network }) => {
    const { createHashicorpVaultProvider } = await import('../providers/hashicorp-vault.ts');
    if (!credentials) throw new ValidationError('a HashiCorp Vault connection needs credentials');
    const checked = network.forUrl(config.url, 'config.url', config.caCert);
    const vaultCredentials =
      credentials.token !== undefined
        ? { token: credentials.token }
        : { roleId: credentials.roleId!, secretId: credentials.secretId! };
    return createHashicorpVaultProvider(
      { ...config, url: checked.url.toString() },
      vaultCredentials,
      checked.network,
    );
  },
  'azure-key-vault': async ({ config }, credentials, { network, azureCredential }) => {
    const { createAzureKeyVaultProvider, createAzureClientSecretCredential } = await import(
      '../providers/azure-key-vault.ts'
    );
    if (!credentials) throw new ValidationError('an Azure Key Vault connection needs credentials');
    const checked = network.forUrl(config.vaultUrl, 'config.vaultUrl', config.caCert);
    const credential = (azureCredential ?? createAzureClientSecretCredential)({
      tenantId: credentials.tenantId!,
      clientId: credentials.clientId!,
      clientSecret: credentials.clientSecret!,
    });
    return createAzureKeyVaultProvider(
      { ...config, vaultUrl: checked.url.origin },
      credential,
      checked.network,
    );
  },
  local: async (_record, _credentials, { localVault }) => {
    if (!localVault) throw new ValidationError('local connections exist only in local mode');
    return localVault;
  },
};

export function buildProvider(
  record: ConnectionRecord,
  credentials: ConnectionCredentials | undefined,
  context: FactoryContext,
): Promise<SecretProvider> {
  const factory = factories[record.kind] as Factory<VaultKind>;
  return factory(record as never, credentials, context);
}
