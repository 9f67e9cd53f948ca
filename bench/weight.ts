/**
 * The bench's "loaded for a read" figure alone, in seconds rather than `npm run bench`'s minute and a
 * half: bundles the minimal handlers (bundles.ts) as `npm run bench` does, starts each once in a fresh
 * `node` against a moto server on loopback (started here), and prints the code each first read loaded,
 * minified and gzip, then what the `secretm/aws` read loaded by source (a package or a folder of this
 * repository) and by file. Writes nothing; `npm run bench` records the figures in bench/RESULTS.md.
 *
 *   node bench/weight.ts
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startMoto } from '../test/servers/moto.ts';
import { bundle, coldStart, loadedBySource, loadedFiles } from './bundles.ts';

const region = 'us-east-1';
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const moto = await startMoto();
const workDir = await mkdtemp(join(tmpdir(), 'secretm-weight-'));
try {
  const endpoint = moto.provided.motoEndpoint!;
  const sdk = new SecretsManagerClient({ region, endpoint, credentials });
  const name = `bench/${randomUUID()}`;
  await sdk.send(new CreateSecretCommand({ Name: name, SecretString: 'weight' }));
  sdk.destroy();
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: region,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    BENCH_SECRET: name,
  };
  const handlers = [
    ['secretm/aws', 'secretm-aws.ts'],
    ['secretm', 'secretm.ts'],
    ['Powertools', 'powertools.ts'],
    ['middy + @middy/secrets-manager', 'middy.ts'],
  ] as const;
  const lines: string[] = ['loaded for a read (minified, gzip), one cold start each:'];
  const details: string[] = [];
  for (const [option, handler] of handlers) {
    const built = await bundle(workDir, option, handler);
    const run = await coldStart(built.entryFile, env, true);
    if (run.error !== undefined) throw new Error(`${option}: the read failed (${run.error})`);
    const loaded = loadedFiles(built, run);
    const bytes = loaded.reduce((sum, file) => sum + file.bytes, 0);
    const gzip = loaded.reduce((sum, file) => sum + file.gzip, 0);
    lines.push(`  ${option.padEnd(32)} ${kb(bytes).padStart(10)} ${kb(gzip).padStart(10)}`);
    if (option === 'secretm/aws') {
      details.push('', 'secretm/aws, by source:');
      for (const item of loadedBySource(built, loaded)) {
        details.push(`  ${item.source.padEnd(40)} ${kb(item.bytes).padStart(10)}`);
      }
      details.push('', 'secretm/aws, by file:');
      for (const file of [...loaded].sort((a, b) => b.bytes - a.bytes)) {
        details.push(`  ${basename(file.path).padEnd(40)} ${kb(file.bytes).padStart(10)}`);
      }
    }
  }
  process.stdout.write(`${[...lines, ...details].join('\n')}\n`);
} finally {
  await Promise.allSettled([moto.stop(), rm(workDir, { recursive: true, force: true })]);
}
