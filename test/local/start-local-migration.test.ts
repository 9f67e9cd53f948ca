/**
 * Local mode moves data an older secretm wrote to the per-tenant layout when it starts, before it
 * serves: over HTTP, the old secrets read as they were (every version), the old tenant key and the
 * operator key printed before still work, the start says in one line what moved, and the next start
 * finds nothing to move.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureTable } from '../../local/ensure-table.ts';
import { startLocal } from '../../local/start-local.ts';
import { createLocalVault } from '../../shared/providers/local.ts';
import { createDocumentClient } from '../../shared/store/dynamo-client.ts';
import { fakeClock } from '../rotation/rotation-fixtures.ts';
import { type LegacyDeployment, seedLegacyDeployment } from '../tenancy/legacy-deployment.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'secretm-layout-'));
const tableName = `secretm-${randomUUID()}`;
const tenants = { owner: 'default', other: 'payments', intruder: 'mallory', operator: 'default' };
let seeded: LegacyDeployment;

beforeAll(async () => {
  const client = createDocumentClient({
    region: 'us-east-1',
    endpoint: inject('dynamodbEndpoint'),
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureTable(client, tableName);
  // What the older local mode wrote: its local vault named secrets `<tenant>/<name>`.
  const clock = fakeClock(new Date().toISOString());
  const vault = createLocalVault({ dir: join(dataDir, 'vault'), clock, namePrefix: '' });
  seeded = await seedLegacyDeployment({
    client,
    tableName,
    vault,
    builtIn: 'local',
    legacyPrefix: '',
    clock,
    tenants,
  });
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function get(url: string, key: string, path: string) {
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('local mode on a data folder of an older secretm', () => {
  it('moves its data to the per-tenant layout before serving, says so once, and finds nothing to move next time', {
    timeout: 60_000,
  }, async () => {
    const started = await startLocal({
      dataDir,
      port: 0,
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      tableName,
    });
    try {
      expect(started.newOperatorKey).toBeUndefined();
      expect(started.notices).toEqual([
        expect.stringMatching(
          /^moved to the per-tenant layout: 5 secrets, 1 connection credential, 1 held credential, 2 API keys and the operator key; skipped default\/rotating \(.*\); left unreachable on purpose: mallory\/stolen/,
        ),
      ]);
      // The operator key the older version printed, in its tenant `default`.
      for (const version of [1, 2, 3]) {
        expect(await get(started.url, seeded.operatorKey, `/v1/secrets/db/value?version=${version}`)).toEqual(
          {
            status: 200,
            json: {
              name: 'db',
              version,
              data: (seeded.values.default!.db![version - 1] as { data: unknown }).data,
            },
          },
        );
      }
      // An old key of another tenant.
      expect(await get(started.url, seeded.apiKey.key, '/v1/secrets/api/value')).toEqual({
        status: 200,
        json: { name: 'api', version: 1, data: { TOKEN: 'other-token' } },
      });
      expect((await get(started.url, seeded.revokedKey.key, '/v1/secrets/api/value')).status).toBe(401);
    } finally {
      await started.stop();
    }

    const again = await startLocal({
      dataDir,
      port: 0,
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      tableName,
    });
    try {
      expect(again.notices).toEqual([]);
      expect((await get(again.url, seeded.operatorKey, '/v1/secrets/tls-key')).status).toBe(200);
    } finally {
      await again.stop();
    }
  });
});
