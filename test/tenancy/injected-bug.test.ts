/**
 * A deliberate bug: code serving tenant beta asks the store and the built-in vault for tenant acme's
 * items (the tenant argument taken from the wrong place). Each request it makes is refused twice over,
 * independently: by the port (beta's guarded table client, beta's confined vault) and by the scoped
 * credentials (a real IAM policy evaluator over the synthesized tenant-access role ∩ beta's session
 * policy). The same calls for beta's own items pass both, so neither layer refuses by luck.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../shared/errors.ts';
import { createLocalVault } from '../../shared/providers/local.ts';
import { createSecretStore } from '../../shared/store/secret-store.ts';
import { confinedProvider } from '../../shared/tenancy/confined-provider.ts';
import { type TenantAccessScope, tenantSessionPolicy } from '../../shared/tenancy/session-policy.ts';
import { tenantTableRules } from '../../shared/tenancy/table-access.ts';
import { checksOf, guardedTableClient, TenantBoundaryError } from '../../shared/tenancy/table-guard.ts';
import { vaultNamespace } from '../../shared/tenancy/vault-namespace.ts';
import { deployedStack, evaluate, type Request } from '../infra/iam/evaluator.ts';
import { fixtureLayerPath, logicalId, type Synthesized, synthesize } from '../infra/synthesize.ts';
import { createTestTable, type TestTable } from '../servers/dynamodb.ts';
import { secretRecord, auditEvent as storedEvent, versionRecord } from '../store/store-fixtures.ts';

let synth: Synthesized;
let table: TestTable;
let vaultDir: string;
let deployed: ReturnType<typeof deployedStack>;
let scope: TenantAccessScope;
let tenantRole: string;

beforeAll(async () => {
  synth = synthesize({ stage: 'dev', layer: { assetPath: fixtureLayerPath } });
  const template = synth.template.toJSON() as Parameters<typeof deployedStack>[1];
  deployed = deployedStack(synth.stack.stackName, template);
  const { secretm } = synth.stack;
  tenantRole = logicalId(synth.stack, secretm.tenantAccess.role as never);
  const variables = deployed.resolve(
    (
      template.Resources[logicalId(synth.stack, secretm.rotation.worker.function)]!.Properties!
        .Environment as {
        Variables: unknown;
      }
    ).Variables,
  ) as Record<string, string>;
  scope = { tableArn: variables.SECRETM_TABLE_ARN!, stage: variables.SECRETM_STAGE! };
  table = await createTestTable();
  vaultDir = await mkdtemp(join(tmpdir(), 'secretm-bug-'));
}, 120_000);
afterAll(async () => {
  synth?.dispose();
  await rm(vaultDir, { recursive: true, force: true });
});

/** Beta's table client, recording what IAM would be asked to authorise for each command it is given. */
function betaTable(): { client: DynamoDBDocumentClient; asked: Request[] } {
  const asked: Request[] = [];
  const guarded = guardedTableClient(table.documentClient, tenantTableRules('beta'));
  const recording = new Proxy(guarded, {
    get: (target, property, receiver) =>
      property === 'send'
        ? (command: { input: Record<string, unknown> }, ...rest: unknown[]) => {
            for (const check of checksOf(command)) {
              asked.push({
                action: `dynamodb:${check.action}`,
                resource: scope.tableArn,
                context: { 'dynamodb:LeadingKeys': check.leadingKeys },
              });
            }
            return (guarded.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
          }
        : Reflect.get(target, property, receiver),
  });
  return { client: recording, asked };
}

const betaSession = () => ({
  stack: deployed,
  role: tenantRole,
  sessionPolicy: tenantSessionPolicy('beta', scope),
  sessionName: 'tenant.beta',
});

describe('a bug that asks for another tenant’s items with beta’s request', () => {
  it('is refused by beta’s table client and by beta’s credentials', async () => {
    const own = createSecretStore({ client: table.documentClient, tableName: table.tableName });
    for (const tenant of ['acme', 'beta']) {
      const record = secretRecord(tenant, 'prod-db');
      await own.create(record, versionRecord(record), storedEvent(tenant, 'secret.create'));
    }
    const { client, asked } = betaTable();
    const betaStore = createSecretStore({ client, tableName: table.tableName });

    // The bug: acme's tenant id where beta's belongs.
    await expect(betaStore.get('acme', 'prod-db')).rejects.toBeInstanceOf(TenantBoundaryError);
    await expect(betaStore.listVersions('acme', 'prod-db', { limit: 10 })).rejects.toBeInstanceOf(
      TenantBoundaryError,
    );
    expect(asked.length).toBeGreaterThan(0);
    for (const request of asked) {
      expect(await evaluate(betaSession(), request, [deployed]), JSON.stringify(request)).not.toBe('Allowed');
    }

    // Beta's own items: both layers let the same calls through.
    asked.length = 0;
    expect((await betaStore.get('beta', 'prod-db'))?.tenant).toBe('beta');
    for (const request of asked) {
      expect(await evaluate(betaSession(), request, [deployed]), JSON.stringify(request)).toBe('Allowed');
    }
  });

  it('is refused by beta’s view of the built-in vault and by beta’s credentials', async () => {
    const namespace = vaultNamespace(scope.stage);
    const raw = createLocalVault({ dir: vaultDir, namePrefix: namespace.stagePrefix });
    const acmeRef = raw.refFor('acme', 'prod-db');
    await raw.create(acmeRef, { kind: 'map', data: { PASSWORD: 'acme-only' } });
    const beta = confinedProvider(raw, { namespace, tenant: 'beta' });

    await expect(beta.get(acmeRef)).rejects.toBeInstanceOf(NotFoundError);
    const arnOf = (ref: string) =>
      `${scope.tableArn.replace(/:dynamodb:/, ':secretsmanager:').replace(/:table\/.*$/, '')}:secret:${ref}-AbCdEf`;
    expect(
      await evaluate(betaSession(), { action: 'secretsmanager:GetSecretValue', resource: arnOf(acmeRef) }, [
        deployed,
      ]),
    ).not.toBe('Allowed');
    expect(
      await evaluate(
        betaSession(),
        { action: 'secretsmanager:GetSecretValue', resource: arnOf(raw.refFor('beta', 'prod-db')) },
        [deployed],
      ),
    ).toBe('Allowed');
  });
});
