/**
 * The layout migration's Lambda function, against moto and DynamoDB Local: built from the
 * configuration the stack gives it, a run stops when the invocation's time is nearly up and answers
 * `done: false`, the next invocation finishes; without its stage it refuses to run.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  handler,
  migrationDeps,
  reserveMs,
  runMigration,
} from '../../../functions/migrations/tenant-layout.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { contextFor } from '../../tenancy/legacy-deployment.ts';
import { awsCredentials, type MigrationRig, migrationRig, region } from '../../tenancy/migration-rig.ts';

let rig: MigrationRig;
beforeAll(async () => {
  rig = await migrationRig('aws');
  rig.clock.set('2026-03-10T13:50:00.000Z');
}, 60_000);
afterAll(async () => {
  await rig?.dispose();
});

/** An invocation's context whose remaining time drops below the reserve after `items` checks. */
function invocation(items: number) {
  let asked = 0;
  return { getRemainingTimeInMillis: () => (++asked <= items ? reserveMs + 60_000 : reserveMs - 1) };
}

describe('the layout migration function', () => {
  it('stops before the invocation’s time is up and answers not done; the next invocation finishes', async () => {
    const deps = migrationDeps(
      {
        mode: 'aws',
        stage: rig.namespace.stage,
        tableName: rig.table.tableName,
        region,
        dynamodbEndpoint: inject('dynamodbEndpoint'),
        awsEndpoint: inject('motoEndpoint'),
        defaultConnection: 'aws',
        auditRetentionDays: 30,
        jwtTenantClaim: 'tenant',
      },
      { clock: rig.clock, awsCredentials },
    );

    const first = await runMigration(deps, invocation(4));
    const second = await runMigration(deps, invocation(1_000));

    expect(first).toMatchObject({ done: false });
    expect(second).toMatchObject({ done: true, unreachable: [expect.objectContaining({ name: 'stolen' })] });
    expect(first.moved.secrets + second.moved.secrets).toBe(4);
    // The AWS function drops the old operator key: the stack generated a new one into its secret.
    expect(first.moved.operatorKey + second.moved.operatorKey).toBe(0);
    const { secrets } = await rig.app().forTenant(rig.tenants.owner);
    expect((await secrets.getValue(contextFor(rig.tenants.owner), 'db', { version: 1 })).value).toEqual({
      type: 'env',
      data: { USER: 'app', PASSWORD: 'one' },
    });
  });

  it('refuses to run without its stage, rather than move secrets into another stage’s namespace', async () => {
    const saved = { stage: process.env.SECRETM_STAGE, table: process.env.SECRETM_TABLE_NAME };
    delete process.env.SECRETM_STAGE;
    process.env.SECRETM_TABLE_NAME = rig.table.tableName;
    try {
      await expect(handler({}, invocation(1_000))).rejects.toThrow(ValidationError);
    } finally {
      if (saved.stage === undefined) delete process.env.SECRETM_STAGE;
      else process.env.SECRETM_STAGE = saved.stage;
      if (saved.table === undefined) delete process.env.SECRETM_TABLE_NAME;
      else process.env.SECRETM_TABLE_NAME = saved.table;
    }
  });
});
