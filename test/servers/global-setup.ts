/**
 * Starts the live servers the tests talk to, once per run, each on a free loopback port, and stops
 * them after. A server that is not installed fails the run loudly (scripts/install-servers.sh).
 * `SECRETM_TEST_SERVERS=dynamodb,moto` starts only those (for a quick run of a few files).
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { startMoto } from './moto.ts';
import { openBaoTestServer } from './openbao.ts';
import { postgresTestServer } from './postgresql.ts';
import type { StartedServer } from './started-server.ts';

const servers: Record<string, () => Promise<StartedServer>> = {
  dynamodb: async () => {
    const dynamodb = await startDynamoDbLocal({ storage: { inMemory: true }, databases: 'shared' });
    return { provided: { dynamodbEndpoint: dynamodb.endpoint }, stop: dynamodb.stop };
  },
  moto: startMoto,
  openbao: openBaoTestServer,
  postgres: postgresTestServer,
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const only = process.env.SECRETM_TEST_SERVERS?.split(',').map((name) => name.trim());
  const names = Object.keys(servers).filter((name) => !only || only.includes(name));
  const results = await Promise.allSettled(names.map((name) => servers[name]!()));
  const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = results.flatMap((result, i) =>
    result.status === 'rejected' ? [`${names[i]}: ${result.reason}`] : [],
  );
  const stopAll = async () => {
    await Promise.allSettled(started.map((server) => server.stop()));
  };
  if (failed.length > 0) {
    await stopAll();
    throw new Error(
      `test servers failed to start (run \`bash scripts/install-servers.sh\`):\n${failed.join('\n')}`,
    );
  }
  for (const server of started) {
    for (const [key, value] of Object.entries(server.provided)) {
      project.provide(key as keyof typeof server.provided, value as never);
    }
  }
  return stopAll;
}
