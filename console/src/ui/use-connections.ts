/** The tenant's connections (vaults), for the "Vault provider" choices. */
import { api, ok } from '../api/client.ts';
import { useLoad } from './use-load.ts';

export function useConnections() {
  return useLoad(
    async () => (await ok(api.GET('/v1/connections', { params: { query: { limit: 100 } } }))).data.items,
    [],
  );
}
