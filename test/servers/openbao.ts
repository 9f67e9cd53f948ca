/** OpenBao for the tests: the shared starter (local/peers/openbao.ts) as an entry of global-setup.ts. */
import { startOpenBao } from '../../local/peers/openbao.ts';
import type { StartedServer } from './started-server.ts';

export { type OpenBao, openBaoBinary, startOpenBao } from '../../local/peers/openbao.ts';

/** The registry entry of test/servers/global-setup.ts. */
export async function openBaoTestServer(): Promise<StartedServer> {
  const bao = await startOpenBao();
  return { provided: { openbaoAddress: bao.address, openbaoRootToken: bao.rootToken }, stop: bao.stop };
}
