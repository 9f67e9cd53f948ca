/**
 * The database side of the `database` rotation: PostgreSQL through `pg`.
 *
 * - Passwords never travel in SQL: a password is set as a SCRAM-SHA-256 verifier computed here
 *   (random salt, 4096 iterations, as PostgreSQL makes them), so neither the server's statement log
 *   nor an error message can show it.
 * - The host is user-supplied, so it is reached like a vault: every address it resolves to is checked
 *   by the address policy (no link-local or metadata addresses; loopback in local mode only) by the
 *   very lookup the socket connects with.
 * - Errors become typed errors with secretm's own messages (and the SQLSTATE code): PostgreSQL's own
 *   messages may quote the statement, so they are never passed on.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { isIP, Socket } from 'node:net';
import type pg from 'pg';
import {
  ForbiddenError,
  ProviderUnavailableError,
  SecretmError,
  UnauthorizedError,
  UnprocessableError,
} from '../errors.ts';
import { assertAllowedAddress } from '../net/address-policy.ts';
import { createGuardedLookup, type Resolve } from '../net/guarded-lookup.ts';

export interface DatabaseTarget {
  host: string;
  port: number;
  database: string;
  tls: 'verify-full' | 'require' | 'disable';
}

export interface DatabaseLogin {
  username: string;
  password: string;
}

/** A logged-in connection to the database. */
export interface DatabaseSession {
  /** The role the session is logged in as (`current_user`). */
  readonly user: string;
  roleExists(role: string): Promise<boolean>;
  /** Sets `role`'s password. */
  setPassword(role: string, password: string): Promise<void>;
  /** Creates a login role with `password`, a member of `memberOf` (so it has that role's privileges). */
  createLoginRole(role: string, password: string, memberOf: string): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseDriver {
  /** Logs in. UnauthorizedError when the database refuses the login. */
  connect(target: DatabaseTarget, login: DatabaseLogin): Promise<DatabaseSession>;
}

export interface PostgresDriverOptions {
  /** Databases on this machine are reachable in local mode only. */
  allowLoopback: boolean;
  /** Replaces the system resolver (tests). */
  resolve?: Resolve;
  /** Bound of a connect and of each statement. Default 10 000 ms. */
  timeoutMs?: number;
}

const scramIterations = 4096;

export function createPostgresDriver(options: PostgresDriverOptions): DatabaseDriver {
  const lookup = createGuardedLookup({
    allowLoopback: options.allowLoopback,
    ...(options.resolve ? { resolve: options.resolve } : {}),
  });
  const timeoutMs = options.timeoutMs ?? 10_000;

  /** A socket that resolves the host through the guarded lookup (pg dials with `connect(port, host)`). */
  const guardedSocket = (): Socket => {
    const socket = new Socket();
    const connect = socket.connect.bind(socket) as (options: object) => Socket;
    socket.connect = ((port: number, host: string) => connect({ port, host, lookup })) as Socket['connect'];
    return socket;
  };

  return {
    async connect(target, login) {
      if (isIP(target.host) !== 0) {
        assertAllowedAddress(target.host, { allowLoopback: options.allowLoopback, field: 'host' });
      }
      // pg is loaded on the first database rotation, not when a function that may rotate starts.
      const { default: postgres } = await import('pg');
      const client = new postgres.Client({
        host: target.host,
        port: target.port,
        database: target.database,
        user: login.username,
        password: login.password,
        ssl:
          target.tls === 'disable'
            ? false
            : target.tls === 'require'
              ? { rejectUnauthorized: false }
              : { rejectUnauthorized: true, servername: target.host },
        stream: guardedSocket,
        connectionTimeoutMillis: timeoutMs,
        query_timeout: timeoutMs,
        statement_timeout: timeoutMs,
        application_name: 'secretm-rotation',
      });
      // A connection that drops later must not crash the process.
      client.on('error', () => undefined);
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        throw databaseError(
          error,
          `log in to ${target.host}:${target.port} as "${login.username}"`,
          target.tls,
        );
      }
      const run = async <T extends pg.QueryResultRow>(
        action: string,
        text: string,
        values: unknown[] = [],
      ): Promise<pg.QueryResult<T>> => {
        try {
          return await client.query<T>(text, values);
        } catch (error) {
          throw databaseError(error, action);
        }
      };
      let user: string;
      try {
        const answer = await run<{ current_user: string }>('read the session user', 'SELECT current_user');
        user = answer.rows[0]?.current_user ?? '';
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      return {
        user,
        async roleExists(role) {
          const answer = await run(
            `look up the role "${role}"`,
            'SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1',
            [role],
          );
          return answer.rowCount === 1;
        },
        async setPassword(role, password) {
          await run(
            `set the password of "${role}"`,
            `ALTER ROLE ${identifier(role)} WITH PASSWORD ${literal(scramVerifier(password))}`,
          );
        },
        async createLoginRole(role, password, memberOf) {
          await run(
            `create the role "${role}"`,
            `CREATE ROLE ${identifier(role)} WITH LOGIN PASSWORD ${literal(scramVerifier(password))} IN ROLE ${identifier(memberOf)}`,
          );
        },
        async close() {
          await client.end().catch(() => undefined);
        },
      };
    },
  };
}

function identifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * PostgreSQL's SASLprep of a password, as far as secretm needs it: pure ASCII is used as is (as
 * PostgreSQL does); otherwise non-ASCII spaces become spaces, characters mapped to nothing go, and the
 * result is NFKC-normalised.
 */
function saslPrep(password: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range, controls included
  if (/^[\u0000-\u007f]*$/.test(password)) return password;
  return password
    .replace(/[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000]/g, ' ')
    .replace(/\u00ad|\u034f|\u1806|[\u180b-\u180d]|\u200c|\u200d|\u2060|[\ufe00-\ufe0f]|\ufeff/g, '')
    .normalize('NFKC');
}

/** The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677). */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16)): string {
  const salted = pbkdf2Sync(Buffer.from(saslPrep(password), 'utf8'), salt, scramIterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${scramIterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** A typed error for what pg threw, in secretm's words: never PostgreSQL's message, which may quote SQL. */
function databaseError(error: unknown, action: string, tls?: DatabaseTarget['tls']): SecretmError {
  if (error instanceof SecretmError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const sqlState = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  if (sqlState === '28P01' || sqlState === '28000') {
    return new UnauthorizedError(
      `the database refused to ${action}: wrong user name or password (SQLSTATE ${sqlState})`,
      {
        cause: error,
      },
    );
  }
  if (sqlState === '42501') {
    return new ForbiddenError(`the database refused to ${action}: permission denied (SQLSTATE 42501)`, {
      cause: error,
    });
  }
  if (sqlState === '3D000') {
    return new UnprocessableError(`could not ${action}: the database does not exist (SQLSTATE 3D000)`, {
      cause: error,
    });
  }
  if (sqlState !== undefined) {
    return new ProviderUnavailableError(`the database failed to ${action} (SQLSTATE ${sqlState})`, {
      cause: error,
    });
  }
  const tlsFailure = tls === undefined ? undefined : tlsError(error, code, action, tls);
  if (tlsFailure) return tlsFailure;
  const network = typeof code === 'string' ? ` (${code})` : '';
  return new ProviderUnavailableError(`could not reach the database to ${action}${network}`, {
    cause: error,
  });
}

/** Node's codes for a certificate it does not trust, or a TLS handshake that failed. */
const certificateCodes: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A failure of TLS itself, named as such with the `tls` option that decides it: a certificate
 * `verify-full` does not trust, a handshake that failed, or a server that speaks no TLS at all.
 */
function tlsError(
  error: unknown,
  code: unknown,
  action: string,
  tls: DatabaseTarget['tls'],
): SecretmError | undefined {
  const setting = `the rotation's tls option is "${tls}"`;
  if (typeof code === 'string' && certificateCodes.has(code)) {
    return new ProviderUnavailableError(
      `TLS to the database failed while trying to ${action}: its certificate is not trusted (${code}), and ${setting}, which checks the certificate and the host name. Give the database a certificate a public CA signed for this host name, or set options.tls to "require" (encrypted, certificate not checked)`,
      { cause: error },
    );
  }
  if (typeof code === 'string' && (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))) {
    return new ProviderUnavailableError(
      `TLS to the database failed while trying to ${action} (${code}); ${setting}: check that the server's TLS settings and the option agree`,
      { cause: error },
    );
  }
  // pg says so in words only: the server answered "N" to its SSLRequest.
  if (tls !== 'disable' && error instanceof Error && /does not support SSL/i.test(error.message)) {
    return new ProviderUnavailableError(
      `the database does not accept TLS connections, and ${setting} while trying to ${action}: turn TLS on in the database, or set options.tls to "disable" for a database on this machine or a private network you trust`,
      { cause: error },
    );
  }
  return undefined;
}
