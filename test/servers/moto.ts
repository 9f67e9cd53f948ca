/** moto for the tests: the shared starter (local/peers/moto.ts) as an entry of global-setup.ts. */
import { startMotoServer } from '../../local/peers/moto.ts';
import type { StartedServer } from './started-server.ts';

export { type MotoTls, motoDir, startMotoTls } from '../../local/peers/moto.ts';

export async function startMoto(): Promise<StartedServer> {
  const moto = await startMotoServer();
  return { provided: { motoEndpoint: moto.endpoint }, stop: moto.stop };
}
