/**
 * Roles on the live PostgreSQL of the test set-up, made with its superuser: each test gets a login
 * role of its own, which owns a table with one row, so a login can be proven by reading it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { UnauthorizedError } from '../../shared/errors.ts';
import type { DatabaseDriver, DatabaseSession } from '../../shared/rotation/postgres.ts';

function server() {
  return {
    host: inject('postgresHost'),
    port: inject('postgresPort'),
    database: inject('postgresDatabase'),
  };
}

export async function asSuperuser<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    ...server(),
    user: inject('postgresUser'),
    password: inject('postgresPassword'),
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestRole {
  username: string;
  password: string;
  table: string;
}

/** A new login role with a password and a table of its own. Optional role attributes (e.g. CREATEROLE). */
export async function newRole(prefix = 'app', attributes = ''): Promise<TestRole> {
  const username = `${prefix}_${randomUUID().slice(0, 8)}`;
  const password = randomBytes(18).toString('base64url');
  const table = `t_${username}`;
  await asSuperuser(async (client) => {
    await client.query(`CREATE ROLE "${username}" WITH LOGIN ${attributes} PASSWORD '${password}'`);
    await client.query(`CREATE TABLE "${table}" (n int)`);
    await client.query(`INSERT INTO "${table}" VALUES (1)`);
    await client.query(`ALTER TABLE "${table}" OWNER TO "${username}"`);
  });
  return { username, password, table };
}

/** The env data of a database secret for a login on the test server. */
export function databaseSecret(login: { username: string; password: string }): Record<string, string> {
  const { host, port, database } = server();
  return {
    engine: 'postgres',
    host,
    port: String(port),
    username: login.username,
    password: login.password,
    dbname: database,
  };
}

/** The superuser as a master secret's data. */
export function superuserSecret(): Record<string, string> {
  return databaseSecret({ username: inject('postgresUser'), password: inject('postgresPassword') });
}

/** Whether the login works: it connects and reads the role's table. */
export async function canLogIn(
  login: { username: string; password: string },
  table: string,
): Promise<boolean> {
  const client = new pg.Client({ ...server(), user: login.username, password: login.password });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    if ((error as { code?: string }).code === '28P01') return false;
    throw error;
  }
  try {
    const result = await client.query(`SELECT count(*)::int AS n FROM "${table}"`);
    return result.rows[0]?.n === 1;
  } finally {
    await client.end();
  }
}

/**
 * A driver that records every session it opens, so a test can close those a stopped rotation left
 * open, and can refuse logins as `refuse` says: a fault the server cannot be made to produce.
 */
export function recordingDriver(
  inner: DatabaseDriver,
  refuse: (login: { username: string; password: string }) => boolean = () => false,
): DatabaseDriver & { closeAll(): Promise<void> } {
  const sessions: DatabaseSession[] = [];
  return {
    async connect(target, login) {
      if (refuse(login))
        throw new UnauthorizedError(`the database refused the login of "${login.username}" (fault)`);
      const session = await inner.connect(target, login);
      sessions.push(session);
      return session;
    },
    async closeAll() {
      await Promise.all(sessions.splice(0).map((session) => session.close()));
    },
  };
}
