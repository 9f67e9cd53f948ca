/**
 * The tenants that have ever had a secret (keys.ts: `pk=TENANTS`, `sk=<tenant>`), written with each
 * secret's creation: the monthly cost roll-up visits them, so it needs no scan of the table.
 */
import type { StoreDeps } from './dynamo-client.ts';
import { storeFailure } from './dynamo-errors.ts';
import { skName, tenantRegistryPk } from './keys.ts';
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
