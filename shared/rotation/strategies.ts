/**
 * The strategies whose new value waits as a pending version before it is promoted: `random` and
 * `database`. Each makes the pending value (AWS's createSecret) and opens a run that sets it where
 * it must work (setSecret), tests it (testSecret), and, after a failure, makes sure the current value
 * works again (restore). The rotation service stages, records and promotes (finishSecret).
 */
import { UnauthorizedError, ValidationError } from '../errors.ts';
import type { SecretValue } from '../secrets/secret-types.ts';
import { generatePassword } from './password-policy.ts';
import type { DatabaseDriver, DatabaseLogin, DatabaseSession, DatabaseTarget } from './postgres.ts';
import type { DatabaseOptions, RandomOptions } from './rotation-types.ts';

export interface StrategyRun {
  /** setSecret: makes the pending value work where it is used. */
  set(): Promise<void>;
  /** testSecret: proves the pending value works. */
  test(): Promise<void>;
  /**
   * After a failure from setSecret on: makes sure the current value works (undoing setSecret where it
   * changed it). True when the current value works, so the pending one may be dropped.
   */
  restore(): Promise<boolean>;
  close(): Promise<void>;
}

export interface StagedStrategy {
  /** createSecret: the next value, from the current one. */
  create(current: SecretValue): SecretValue;
  open(current: SecretValue, pending: SecretValue): Promise<StrategyRun>;
}

const noRun: StrategyRun = {
  set: async () => undefined,
  test: async () => undefined,
  restore: async () => true,
  close: async () => undefined,
};

function envData(value: SecretValue): Record<string, string> {
  if (value.type !== 'env') throw new ValidationError('rotation changes env secrets (key/value pairs)');
  return value.data;
}

/** New random values for the chosen keys under the password policy; nothing outside the vault changes. */
export function randomStrategy(options: RandomOptions): StagedStrategy {
  return {
    create(current) {
      const data = { ...envData(current) };
      for (const key of options.keys) data[key] = generatePassword(options.policy);
      return { type: 'env', data };
    },
    async open(_current, pending) {
      return {
        ...noRun,
        async test() {
          const data = envData(pending);
          const wrong = options.keys.filter((key) => data[key]?.length !== options.policy.length);
          if (wrong.length > 0) {
            throw new ValidationError(`the pending value lacks a new value for ${wrong.join(', ')}`);
          }
        },
      };
    },
  };
}

/** The keys a database secret holds. */
export const databaseKeys = ['engine', 'host', 'port', 'username', 'password', 'dbname'] as const;
const postgresEngines = new Set(['postgres', 'postgresql', 'aurora-postgresql']);
const cloneSuffix = '_clone';

export interface DatabaseCredentials extends DatabaseLogin {
  target: DatabaseTarget;
}

/** The database and login an env secret holds; ValidationError naming what is missing or wrong. */
export function databaseCredentials(
  value: SecretValue,
  tls: DatabaseOptions['tls'],
  what: string,
): DatabaseCredentials {
  const data = envData(value);
  const missing = databaseKeys.filter((key) => !data[key]);
  if (missing.length > 0) throw new ValidationError(`${what} lacks ${missing.join(', ')}`);
  if (!postgresEngines.has(data.engine!.toLowerCase())) {
    throw new ValidationError(`${what}: engine "${data.engine}" is not one secretm rotates (postgres)`);
  }
  const port = Number(data.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new ValidationError(`${what}: port is not a port number`);
  return {
    username: data.username!,
    password: data.password!,
    target: { host: data.host!, port, database: data.dbname!, tls },
  };
}

/** The other user of an alternating pair: `app` ↔ `app_clone`. */
export function alternateUser(username: string): string {
  return username.endsWith(cloneSuffix)
    ? username.slice(0, -cloneSuffix.length)
    : `${username}${cloneSuffix}`;
}

/**
 * Database credentials changed on the database itself.
 * - single-user: the user's own password changes. The session that sets it (the user's, logged in with
 *   the current password, or the master's) stays open until the new password has logged in, so a
 *   failed test is undone through it.
 * - alternating-users: the master session sets a new password on the other user of the pair (creating
 *   `<username>_clone` as a member of the user on first use); the current user is never touched, so
 *   one login works at every moment, and the previous one until the rotation after.
 */
export function databaseStrategy(
  options: DatabaseOptions,
  driver: DatabaseDriver,
  master: DatabaseLogin | undefined,
): StagedStrategy {
  return {
    create(current) {
      const data = envData(current);
      databaseCredentials(current, options.tls, 'the secret');
      const username = options.mode === 'alternating-users' ? alternateUser(data.username!) : data.username!;
      return { type: 'env', data: { ...data, username, password: generatePassword(options.policy) } };
    },

    async open(currentValue, pendingValue) {
      const current = databaseCredentials(currentValue, options.tls, 'the current value');
      const pending = databaseCredentials(pendingValue, options.tls, 'the pending value');
      const { target } = current;
      let session: DatabaseSession | undefined;

      /** Logs in as the first of `logins` the database accepts. */
      const firstLogin = async (logins: DatabaseLogin[]): Promise<DatabaseSession> => {
        let refused: unknown;
        for (const login of logins) {
          try {
            return await driver.connect(target, login);
          } catch (error) {
            if (!(error instanceof UnauthorizedError)) throw error;
            refused = error;
          }
        }
        throw refused;
      };
      const works = async (login: DatabaseLogin): Promise<boolean> => {
        try {
          const probe = await driver.connect(target, login);
          const user = probe.user;
          await probe.close();
          return user === login.username;
        } catch (error) {
          if (error instanceof UnauthorizedError) return false;
          throw error;
        }
      };
      /** The session that changes passwords: the master's; in single-user mode without one, the user's own
       * (with the current password, or the pending one when a stopped rotation already set it). */
      const adminSession = async (): Promise<DatabaseSession> => {
        if (master) return driver.connect(target, master);
        return firstLogin([current, pending]);
      };

      if (options.mode === 'alternating-users' && !master) {
        throw new ValidationError('alternating users need options.masterSecret');
      }
      return {
        async set() {
          session ??= await adminSession();
          if (options.mode === 'single-user' || (await session.roleExists(pending.username))) {
            await session.setPassword(pending.username, pending.password);
          } else {
            await session.createLoginRole(
              pending.username,
              pending.password,
              alternateUser(pending.username),
            );
          }
        },
        async test() {
          const probe = await driver.connect(target, pending);
          try {
            if (probe.user !== pending.username) {
              throw new UnauthorizedError(
                `the pending login answered as "${probe.user}", not "${pending.username}"`,
              );
            }
          } finally {
            await probe.close();
          }
        },
        async restore() {
          if (await works(current)) return true;
          if (options.mode === 'alternating-users') return false;
          // single-user: the password was changed; put the current one back.
          session ??= await adminSession();
          await session.setPassword(current.username, current.password);
          return works(current);
        },
        async close() {
          await session?.close();
          session = undefined;
        },
      };
    },
  };
}
