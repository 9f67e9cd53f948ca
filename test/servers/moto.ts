/**
 * moto in server mode (AWS Secrets Manager, STS, KMS) as a child process on a loopback port, for the
 * aws-secrets-manager adapter's tests. scripts/servers/moto.sh installs it in .cache/servers.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnServer } from '../../local/managed-process.ts';
import type { StartedServer } from './started-server.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The virtualenv holding moto_server: SECRETM_MOTO_DIR, else the newest finished install in .cache/servers. */
export function motoDir(): string {
  const override = process.env.SECRETM_MOTO_DIR;
  if (override) return override;
  const cache = join(repoRoot, '.cache', 'servers');
  const found = existsSync(cache)
    ? readdirSync(cache)
        .filter((entry) => entry.startsWith('moto-') && existsSync(join(cache, entry, '.installed')))
        .sort()
        .at(-1)
    : undefined;
  if (!found) throw new Error('moto is not installed: run `bash scripts/install-servers.sh moto`');
  return join(cache, found);
}

export async function startMoto(): Promise<StartedServer> {
  const dir = motoDir();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const managed = await spawnServer({
    name: 'moto',
    command: join(dir, 'bin', 'moto_server'),
    args: ['-H', '127.0.0.1', '-p', String(port)],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
    // moto's own API answers once the server is listening.
    ready: async () => (await fetch(`${endpoint}/moto-api/`)).ok,
  });
  return { provided: { motoEndpoint: endpoint }, stop: () => managed.stop() };
}
