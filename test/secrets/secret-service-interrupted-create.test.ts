/**
 * A create cut off between its vault write and its metadata write — a crash: nothing after that point
 * runs, not even the code that would take the vault write back — on live servers: DynamoDB Local for
 * the store, AWS Secrets Manager on moto for the vault, vault calls counted as the API counts them.
 * The crash is forced with a store wrapper whose metadata write never returns (DynamoDB Local cannot
 * stop a process between two of its writes); everything else is real.
 */
import { randomUUID } from 'node:crypto';
import { ListSecretVersionIdsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { RequestContext } from '../../shared/auth/principal.ts';
import { costReportCsv } from '../../shared/costs/cost-csv.ts';
import { createCostService } from '../../shared/costs/cost-service.ts';
import { meteredResolver } from '../../shared/costs/metered-provider.ts';
import { defaultPrices } from '../../shared/costs/prices.ts';
import { createUsageRecorder } from '../../shared/costs/usage-recorder.ts';
import { ConflictError } from '../../shared/errors.ts';
import { createAwsSecretsManagerProvider } from '../../shared/providers/aws-secrets-manager.ts';
import { createSecretService } from '../../shared/secrets/secret-service.ts';
import { createAuditStore } from '../../shared/store/audit-store.ts';
import { createRollupStore } from '../../shared/store/rollup-store.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import type { SecretStore } from '../../shared/store/store-types.ts';
import { createUsageStore } from '../../shared/store/usage-store.ts';
import { createTestTable } from '../servers/dynamodb.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const tenant = `t${randomUUID().slice(0, 8)}`;
const ctx: RequestContext = {
  principal: { tenant, actor: 'apikey:test', scopes: new Set(['read', 'write', 'reveal']), operator: false },
  requestId: 'req-interrupted',
  sourceIp: '127.0.0.1',
};
let now = new Date('2026-03-10T12:00:00Z');
const clock = { now: () => now };

let service: ReturnType<typeof createSecretService>;
let costs: ReturnType<typeof createCostService>;
let recorder: ReturnType<typeof createUsageRecorder>;
let sdk: SecretsManagerClient;
/** The secret whose metadata write the process never gets past, and who hears it was reached. */
let crash: { name: string; reached: () => void } | undefined;

beforeAll(async () => {
  const table = await createTestTable();
  const deps = { client: table.documentClient, tableName: table.tableName };
  const real = createSecretStore(deps);
  const crashing: SecretStore = {
    ...real,
    create: (record, ...rest) => {
      if (crash?.name !== record.name) return real.create(record, ...rest);
      crash.reached();
      crash = undefined;
      return new Promise<never>(() => undefined);
    },
  };
  const endpoint = inject('motoEndpoint');
  const aws = createAwsSecretsManagerProvider({
    region: 'us-east-1',
    endpoint,
    credentials: { ...credentials },
  });
  sdk = new SecretsManagerClient({ region: 'us-east-1', endpoint, credentials: { ...credentials } });
  const usage = createUsageStore({ client: table.client, tableName: table.tableName });
  recorder = createUsageRecorder(usage, () => clock.now());
  service = createSecretService({
    store: crashing,
    audit: createAuditStore(deps),
    providers: meteredResolver(async () => aws, recorder.tally),
    defaultConnection: 'aws',
    clock,
  });
  costs = createCostService({
    store: deps,
    usage,
    rollups: createRollupStore(deps),
    connectionKind: async () => 'aws-secrets-manager',
    prices: defaultPrices,
    clock,
  });
});

const input = (name: string, token: string) => ({ name, type: 'env' as const, data: { TOKEN: token } });

/** Starts a create of `name` and answers once it has written the vault and reached its metadata write. */
async function createCutOff(name: string): Promise<void> {
  const reached = new Promise<void>((resolve) => {
    crash = { name, reached: resolve };
  });
  void service.create(ctx, input(name, 'first')).catch(() => undefined);
  await reached;
}

describe('a create cut off between its vault write and its metadata', () => {
  it('bills the calls it made to its name, never to a nameless line, and shows no secret', async () => {
    await createCutOff('cut-off');
    await recorder.flush();

    const report = await costs.report(tenant, '2026-03');
    const rows = costReportCsv(report).trimEnd().split('\r\n').slice(1);

    expect(report.secrets).toHaveLength(1);
    expect(report.secrets[0]).toMatchObject({ name: 'cut-off', secretHours: 0, calls: { CreateSecret: 1 } });
    expect(rows.filter((row) => row.split(',')[2] === '')).toEqual([]);
    expect((await service.list(ctx, { limit: 10 })).items).toEqual([]);
  });

  it('leaves the name to it while it may still be running, then to a new create, which removes what it left in the vault', async () => {
    await createCutOff('reborn');

    const meanwhile = service.create(ctx, input('reborn', 'second'));
    await expect(meanwhile).rejects.toBeInstanceOf(ConflictError);
    await expect(meanwhile).rejects.toThrow(/under way/);
    now = new Date(now.getTime() + 60_000);
    const created = await service.create(ctx, input('reborn', 'second'));

    expect(created.version).toBe(1);
    expect((await service.getValue(ctx, 'reborn')).value).toEqual({ type: 'env', data: { TOKEN: 'second' } });
    const versions = await sdk.send(new ListSecretVersionIdsCommand({ SecretId: created.vaultRef }));
    expect(versions.Versions).toHaveLength(1);
    await recorder.flush();
    const line = (await costs.report(tenant, '2026-03')).secrets.find((each) => each.name === 'reborn');
    expect(line?.calls).toMatchObject({ CreateSecret: 2, DeleteSecret: 1 });
  });
});
