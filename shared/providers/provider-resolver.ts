import type { SecretProvider } from './provider.ts';

/**
 * Finds the vault adapter behind a tenant's connection. NotFoundError for a connection the tenant
 * does not have.
 */
export type ProviderResolver = (tenant: string, connection: string) => Promise<SecretProvider>;
