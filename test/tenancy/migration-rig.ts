/**
 * An old-layout deployment on live servers, for the layout migration's tests: a fresh table on the
 * run's DynamoDB Local and the built-in vault of one flavour (the local vault in a temp folder, or
 * Secrets Manager on moto), seeded by legacy-deployment.ts; the migration's deps; and the new
 * version's own services (createDependencies) to read everything back as a tenant would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createDependencies, type Dependencies } from '../../functions/dependencies.ts';
import { createAwsSecretsManagerProvider } from '../../shared/providers/aws-secrets-manager.ts';
import { createLocalVault } from '../../shared/providers/local.ts';
import type { SecretProvider } from '../../shared/providers/provider.ts';
import type { LayoutMigrationDeps } from '../../shared/tenancy/layout-migration.ts';
import { type VaultNamespace, vaultNamespace } from '../../shared/tenancy/vault-namespace.ts';
import { type FakeClock, fakeClock } from '../rotation/rotation-fixtures.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';
import {
  type LegacyDeployment,
  legacySecretService,
  seedLegacyDeployment,
  type Tenants,
} from './legacy-deployment.ts';

export type Flavour = 'local' | 'aws';

export const region = 'us-east-1';
export const awsCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const account = '123456789012';

export interface MigrationRig {
  flavour: Flavour;
  clock: FakeClock;
  table: TestTable;
  namespace: VaultNamespace;
  tenants: Tenants;
  legacyPrefix: string;
  /** The local vault's folder (local flavour). */
  vaultDir?: string;
  /** The built-in vault itself, unconfined (reads both layouts). */
  vault: SecretProvider;
  seeded: LegacyDeployment;
  /** The old version's secret service, to write more old-layout secrets. */
  legacySecrets: ReturnType<typeof legacySecretService>['secrets'];
  /** What the migration is given, with changes for one run. */
  migrationDeps(changes?: Partial<LayoutMigrationDeps>): LayoutMigrationDeps;
  /** The new version's deployment on the same table and vault, built afresh. */
  app(): Dependencies;
  dispose(): Promise<void>;
}

const suffix = () => randomBytes(3).toString('hex');

export async function migrationRig(
  flavour: Flavour,
  start = '2026-03-10T10:20:00.000Z',
): Promise<MigrationRig> {
  const clock = fakeClock(start);
  const table = await createTestTable();
  const id = suffix();
  // Fresh names on the run's shared moto: nothing of another file or run can meet these.
  const tenants: Tenants = {
    owner: `owner-${id}`,
    other: `other-${id}`,
    intruder: `intruder-${id}`,
    operator: flavour === 'local' ? 'default' : `ops-${id}`,
  };
  const stage = flavour === 'local' ? 'local' : `m${id}`;
  const namespace = vaultNamespace(stage);
  const legacyPrefix = flavour === 'local' ? '' : 'secretm/';
  let vaultDir: string | undefined;
  let vault: SecretProvider;
  let legacyVault: SecretProvider;
  if (flavour === 'local') {
    vaultDir = await mkdtemp(join(tmpdir(), 'secretm-migration-'));
    vault = createLocalVault({ dir: vaultDir, clock, namePrefix: namespace.stagePrefix });
    legacyVault = createLocalVault({ dir: vaultDir, clock, namePrefix: legacyPrefix });
  } else {
    const endpoint = inject('motoEndpoint');
    vault = createAwsSecretsManagerProvider({ region, endpoint, credentials: awsCredentials });
    legacyVault = createAwsSecretsManagerProvider({
      region,
      endpoint,
      credentials: awsCredentials,
      namePrefix: legacyPrefix,
    });
  }
  const builtIn: 'local' | 'aws' = flavour === 'local' ? 'local' : 'aws';
  const legacy = {
    client: table.documentClient,
    tableName: table.tableName,
    vault: legacyVault,
    builtIn,
    clock,
  };
  const seeded = await seedLegacyDeployment({ ...legacy, legacyPrefix, tenants });
  const common = {
    stage,
    tableName: table.tableName,
    region,
    auditRetentionDays: 30,
    jwtTenantClaim: 'tenant',
    operatorTenant: tenants.operator,
  };
  return {
    flavour,
    clock,
    table,
    namespace,
    tenants,
    legacyPrefix,
    ...(vaultDir ? { vaultDir } : {}),
    vault,
    seeded,
    legacySecrets: legacySecretService(legacy).secrets,
    migrationDeps: (changes = {}) => ({
      client: table.documentClient,
      tableName: table.tableName,
      vault,
      builtInConnection: builtIn,
      legacyPrefix,
      namespace,
      clock,
      legacyOperatorKey: flavour === 'local' ? 'adopt' : 'drop',
      ...changes,
    }),
    app: () =>
      flavour === 'local'
        ? createDependencies(
            { ...common, mode: 'local', localVaultDir: vaultDir!, defaultConnection: 'local' },
            { client: table.documentClient, clock },
          )
        : createDependencies(
            {
              ...common,
              mode: 'aws',
              defaultConnection: 'aws',
              dynamodbEndpoint: inject('dynamodbEndpoint'),
              awsEndpoint: inject('motoEndpoint'),
              tenantAccess: {
                roleArn: `arn:aws:iam::${account}:role/secretm-tenant-access`,
                tableArn: `arn:aws:dynamodb:${region}:${account}:table/${table.tableName}`,
              },
            },
            { client: table.documentClient, clock, awsCredentials },
          ),
    dispose: async () => {
      if (vaultDir) await rm(vaultDir, { recursive: true, force: true });
    },
  };
}
