/**
 * A throwaway PostgreSQL cluster on a loopback port, for the tests and `npm run peers`, in a fresh
 * temporary folder, with a superuser that logs in with a password (OpenBao's database plugin and the rotation tests use it). TLS is on, with a
 * self-signed certificate for 127.0.0.1 that no client trusts unless told to (plain connections are
 * accepted too), as a database behind a private CA would present itself. Debian's server
 * binaries come from scripts/servers/postgresql.sh. PostgreSQL refuses to run as root, so as root the
 * cluster belongs to the `postgres` system user (`nobody` if absent) and runs under `setpriv`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, type ManagedProcess, spawnServer } from '../managed-process.ts';
import { selfSignedCertificate } from './test-certificate.ts';

const run = promisify(execFile);

/** The folder holding initdb and postgres, the newest major version installed. */
export function postgresBinDir(): string {
  const override = process.env.SECRETM_POSTGRES_BIN;
  if (override) return override;
  const root = '/usr/lib/postgresql';
  const found = existsSync(root)
    ? readdirSync(root)
        .filter(
          (major) =>
            existsSync(join(root, major, 'bin', 'initdb')) &&
            existsSync(join(root, major, 'bin', 'postgres')),
        )
        .sort((a, b) => Number(a) - Number(b))
        .at(-1)
    : undefined;
  if (!found)
    throw new Error('PostgreSQL is not installed: run `bash scripts/install-servers.sh postgresql`');
  return join(root, found, 'bin');
}

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** postgresql://user:password@127.0.0.1:port/database */
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** The unprivileged account to run as when we are root, from /etc/passwd. */
function unprivilegedAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entries = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .filter((fields) => fields.length >= 4);
  for (const name of ['postgres', 'nobody']) {
    const entry = entries.find((fields) => fields[0] === name);
    if (entry) return { uid: Number(entry[2]), gid: Number(entry[3]) };
  }
  throw new Error(
    'running as root, but there is neither a `postgres` nor a `nobody` user to run PostgreSQL as',
  );
}

function chownTree(path: string, account: { uid: number; gid: number }): void {
  chownSync(path, account.uid, account.gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownTree(child, account);
    else chownSync(child, account.uid, account.gid);
  }
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const account = unprivilegedAccount();
  // As root, /tmp: a TMPDIR under root's home would not let the unprivileged account in.
  const root = mkdtempSync(join(account ? '/tmp' : tmpdir(), 'secretm-postgres-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'socket');
  const passwordFile = join(root, 'password');
  const user = 'secretm';
  const password = randomBytes(18).toString('base64url');
  const database = 'postgres';
  mkdirSync(socketDir);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  const certificate = await selfSignedCertificate();
  const certFile = join(root, 'server.crt');
  const keyFile = join(root, 'server.key');
  writeFileSync(certFile, certificate.cert, { mode: 0o600 });
  writeFileSync(keyFile, certificate.key, { mode: 0o600 });
  if (account) chownTree(root, account);
  const asAccount = (command: string, args: string[]): [string, string[]] =>
    account
      ? [
          'setpriv',
          [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--clear-groups', '--', command, ...args],
        ]
      : [command, args];

  try {
    const [initdb, initdbArgs] = asAccount(join(bin, 'initdb'), [
      '--pgdata',
      dataDir,
      '--username',
      user,
      `--pwfile=${passwordFile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--no-locale',
      '--no-sync',
    ]);
    await run(initdb, initdbArgs, { cwd: root });
    rmSync(passwordFile);

    const port = await freePort();
    const [postgres, postgresArgs] = asAccount(join(bin, 'postgres'), [
      '-D',
      dataDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-p',
      String(port),
      '-k',
      socketDir,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'ssl=on',
      '-c',
      `ssl_cert_file=${certFile}`,
      '-c',
      `ssl_key_file=${keyFile}`,
    ]);
    const host = '127.0.0.1';
    const managed = await spawnServer({
      name: 'PostgreSQL',
      command: postgres,
      args: postgresArgs,
      cwd: root,
      ready: async () => {
        const client = new pg.Client({
          host,
          port,
          user,
          password,
          database,
          connectionTimeoutMillis: 2_000,
        });
        try {
          await client.connect();
          await client.query('SELECT 1');
          return true;
        } finally {
          await client.end().catch(() => {});
        }
      },
    });
    return {
      host,
      port,
      user,
      password,
      database,
      url: `postgresql://${user}:${encodeURIComponent(password)}@${host}:${port}/${database}`,
      process: managed,
      stop: async () => {
        await fastShutdown(managed);
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/** SIGINT is PostgreSQL's fast shutdown: it does not wait for clients (OpenBao's pool) to disconnect. */
async function fastShutdown(managed: ManagedProcess): Promise<void> {
  const { child } = managed;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  }
  await managed.stop();
}
