/**
 * The API's vault-call counting against live servers: an AWS Secrets Manager adapter (moto behind a
 * counting proxy) is counted request by request, retries and extra requests of one operation included,
 * so the counts equal what the server received; an adapter without request counting (the local vault)
 * is counted one per operation.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { meteredProvider, meteredResolver } from '../../shared/costs/metered-provider.ts';
import { createUsageTally } from '../../shared/costs/usage.ts';
import { createAwsSecretsManagerProvider } from '../../shared/providers/aws-secrets-manager.ts';
import { createLocalVault } from '../../shared/providers/local.ts';
import { type CountingProxy, countingProxy } from '../layers/secretm/counting-proxy.ts';

let proxy: CountingProxy;
let vaultDir: string;

beforeAll(async () => {
  proxy = await countingProxy(inject('motoEndpoint'));
  vaultDir = await mkdtemp(join(tmpdir(), 'secretm-metered-'));
});

afterAll(async () => {
  await proxy.close();
  await rm(vaultDir, { recursive: true, force: true });
});

function totals(lines: ReturnType<ReturnType<typeof createUsageTally>['drain']>) {
  const byOperation: Record<string, number> = {};
  for (const line of lines) {
    for (const [operation, count] of Object.entries(line.calls)) {
      byOperation[operation] = (byOperation[operation] ?? 0) + count;
    }
  }
  return byOperation;
}

describe('counting vault calls', () => {
  it('counts every request an AWS operation sends, as the server received them', async () => {
    const aws = createAwsSecretsManagerProvider({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const tally = createUsageTally();
    const resolve = meteredResolver(async () => aws, tally);
    const vault = await resolve('acme', 'aws');
    const ref = aws.refFor('acme', `metered-${Date.now()}`);
    proxy.reset();

    await vault.create(ref, { kind: 'map', data: { A: '1' } });
    // A put with a description and tags sends three requests.
    await vault.put(ref, { kind: 'map', data: { A: '2' } }, { description: 'd', tags: { team: 'x' } });
    await vault.get(ref);
    const pending = await vault.staging!.putPending(
      ref,
      { kind: 'map', data: { A: '3' } },
      crypto.randomUUID(),
    );
    await vault.staging!.promotePending(ref, pending.versionId);
    await vault.delete(ref, { mode: 'soft', recoveryWindowDays: 7 });
    await vault.restore(ref);
    await vault.test();
    await vault.delete(ref, { mode: 'purge' });

    const lines = tally.drain();
    const counted = totals(lines);
    const received = Object.fromEntries(
      Object.keys(counted).map((operation) => [operation, proxy.count(operation)]),
    );
    expect(counted).toEqual(received);
    expect(Object.values(counted).reduce((a, b) => a + b, 0)).toBe(proxy.count());
    expect(counted.UpdateSecretVersionStage).toBeGreaterThanOrEqual(1);
    // Every request about the secret is on its line; the connection test is the connection's own.
    expect(lines.find((line) => line.ref === undefined)?.calls).toEqual({ ListSecrets: 1 });
    expect(lines.every((line) => line.tenant === 'acme' && line.connection === 'aws')).toBe(true);
  });

  it('counts an adapter without request counting one per operation, failures too', async () => {
    const tally = createUsageTally();
    const local = meteredProvider(createLocalVault({ dir: vaultDir }), (operation, ref) =>
      tally.call('acme', 'local', ref, operation),
    );
    const ref = local.refFor('acme', 'per-operation');
    await local.create(ref, { kind: 'text', text: 'x' });
    await local.get(ref);
    await expect(local.get(local.refFor('acme', 'absent'))).rejects.toThrow();
    expect(totals(tally.drain())).toEqual({ create: 1, get: 2 });
  });
});
