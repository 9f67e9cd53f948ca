/** PostgreSQL for the tests: the shared starter (local/peers/postgresql.ts) as an entry of global-setup.ts. */
import { startPostgres } from '../../local/peers/postgresql.ts';
import type { StartedServer } from './started-server.ts';

export { type PostgresServer, postgresBinDir, startPostgres } from '../../local/peers/postgresql.ts';

/** The registry entry of test/servers/global-setup.ts. */
export async function postgresTestServer(): Promise<StartedServer> {
  const server = await startPostgres();
  return {
    provided: {
      postgresHost: server.host,
      postgresPort: server.port,
      postgresUser: server.user,
      postgresPassword: server.password,
      postgresDatabase: server.database,
      postgresUrl: server.url,
    },
    stop: server.stop,
  };
}
