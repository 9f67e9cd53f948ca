/**
 * OpenBao (the HashiCorp Vault API) in dev mode on a loopback port: in memory, unsealed, with a random
 * root token. For the tests (test/servers/openbao.ts) and `npm run peers`. scripts/servers/openbao.sh
 * installs it into .cache/servers.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ManagedProcess, spawnServer } from '../managed-process.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export function openBaoBinary(): string {
  const override = process.env.SECRETM_OPENBAO_BIN;
  if (override) return override;
  const cache = join(repoRoot, '.cache', 'servers');
  const found = existsSync(cache)
    ? readdirSync(cache)
        .filter((entry) => entry.startsWith('openbao-') && existsSync(join(cache, entry, 'bao')))
        .sort()
        .at(-1)
    : undefined;
  if (!found) throw new Error('OpenBao is not installed: run `bash scripts/install-servers.sh openbao`');
  return join(cache, found, 'bao');
}

export interface OpenBao {
  /** e.g. http://127.0.0.1:41234 (https:// with `tls`) */
  address: string;
  rootToken: string;
  /** With `tls`: PEM of the CA that signed the server's certificate. */
  caCert?: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts `bao server -dev`. With `tls`, it serves HTTPS with a certificate from a CA it generates. */
export async function startOpenBao(options: { tls?: boolean } = {}): Promise<OpenBao> {
  const port = await freePort();
  const rootToken = `root-${randomBytes(16).toString('hex')}`;
  const scheme = options.tls ? 'https' : 'http';
  const address = `${scheme}://127.0.0.1:${port}`;
  const certDir = options.tls ? mkdtempSync(join(tmpdir(), 'secretm-openbao-tls-')) : undefined;
  // No BAO_*/VAULT_* variable of the developer's shell may change the server, and no token helper file.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(BAO|VAULT)_/.test(name)),
  ) as NodeJS.ProcessEnv;
  const managed = await spawnServer({
    name: 'OpenBao',
    command: openBaoBinary(),
    args: [
      'server',
      '-dev',
      `-dev-listen-address=127.0.0.1:${port}`,
      `-dev-root-token-id=${rootToken}`,
      '-dev-no-store-token',
      ...(certDir ? ['-dev-tls', `-dev-tls-cert-dir=${certDir}`] : []),
    ],
    env,
    ready: async () => {
      if (certDir && !existsSync(join(certDir, 'vault-ca.pem'))) return false;
      return await healthy(port, certDir);
    },
  });
  const caCert = certDir ? readFileSync(join(certDir, 'vault-ca.pem'), 'utf8') : undefined;
  return {
    address,
    rootToken,
    ...(caCert ? { caCert } : {}),
    process: managed,
    stop: async () => {
      await managed.stop();
      if (certDir) rmSync(certDir, { recursive: true, force: true });
    },
  };
}

async function healthy(port: number, certDir: string | undefined): Promise<boolean> {
  if (!certDir) return (await fetch(`http://127.0.0.1:${port}/v1/sys/health`)).status === 200;
  // Over TLS, a successful handshake and an HTTP answer are enough: the tests check the rest.
  const { request } = await import('node:https');
  const ca = readFileSync(join(certDir, 'vault-ca.pem'), 'utf8');
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/sys/health', ca, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
