/** Connections: the vaults a tenant's secrets live in. Credentials are never part of these records. */
import type { HashicorpVaultEngine } from '../providers/hashicorp-vault.ts';
import type { VaultKind } from '../providers/provider.ts';

export interface AwsSecretsManagerSettings {
  region: string;
  endpoint?: string;
  roleArn?: string;
  externalId?: string;
  kmsKeyId?: string;
  namePrefix?: string;
  replicaRegions?: string[];
}

export interface HashicorpVaultSettings {
  url: string;
  namespace?: string;
  caCert?: string;
  engine: HashicorpVaultEngine;
}

export interface AzureKeyVaultSettings {
  vaultUrl: string;
  caCert?: string;
}

export type ConnectionConfig =
  | { kind: 'aws-secrets-manager'; config: AwsSecretsManagerSettings }
  | { kind: 'hashicorp-vault'; config: HashicorpVaultSettings }
  | { kind: 'azure-key-vault'; config: AzureKeyVaultSettings }
  | { kind: 'local'; config: Record<string, never> };

export type ConnectionCredentials = Record<string, string>;

export type ConnectionRecord = ConnectionConfig & {
  tenant: string;
  /** Chosen by the tenant when creating it; what secrets name in `connection`. */
  id: string;
  /** Where the connection's own credentials are kept in the credentials vault; absent when it has none. */
  credentialsRef?: string;
  /** How long the layer may cache values of this connection's secrets. */
  cacheTtlSeconds: number;
  version: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
};

export const builtInConnectionIds = ['local', 'aws'] as const;

export function isBuiltIn(id: string): boolean {
  return (builtInConnectionIds as readonly string[]).includes(id);
}

export type { VaultKind };
