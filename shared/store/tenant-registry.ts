/**
 * The tenants that have ever had a secret or an audit key (keys.ts: `pk=TENANTS`, `sk=<tenant>`):
 * written with each secret's creation and before a tenant's audit key is made, so the monthly cost
 * roll-up and the hourly audit digests visit every tenant without a scan of the table.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { StoreDeps } from './dynamo-client.ts';
import { storeFailure } from './dynamo-errors.ts';
import { skName, tenantRegistryKey, tenantRegistryPk } from './keys.ts';
import { queryPages } from './query-pages.ts';

export async function* listTenants(deps: StoreDeps): AsyncGenerator<string> {
  try {
    for await (const page of queryPages(deps, { pk: tenantRegistryPk, keysOnly: true })) {
      for (const item of page) yield String(item[skName]);
    }
  } catch (error) {
    throw storeFailure(error);
  }
}

/** Puts the tenant in the registry; writing it again changes nothing. */
export async function registerTenant(deps: StoreDeps, tenant: string): Promise<void> {
  try {
    await deps.client.send(new PutCommand({ TableName: deps.tableName, Item: tenantRegistryKey(tenant) }));
  } catch (error) {
    throw storeFailure(error);
  }
}
