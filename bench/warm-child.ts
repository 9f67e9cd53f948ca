/**
 * Warm cached reads per call, in a fresh `node` process: an awaited Map.get, secretm's getSecret (plain
 * and with a key) and Powertools' getSecret, interleaved. The secrets (BENCH_SECRET, a text one, and
 * BENCH_JSON_SECRET, a JSON one) are read once from AWS_ENDPOINT_URL_SECRETS_MANAGER before timing;
 * prints `{ results: { variant: { median, p99 } }, requests }` in ns per call.
 */
import { DEFAULT_PROVIDERS } from '@aws-lambda-powertools/parameters/base';
import { getSecret as powertoolsGetSecret, SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { configure, getSecret as secretmGetSecret, stats } from '../layers/secretm/src/index.ts';
import { perCall } from './measure.ts';

const name = process.env.BENCH_SECRET!;
const jsonName = process.env.BENCH_JSON_SECRET!;
const clientConfig = {
  region: process.env.AWS_REGION!,
  endpoint: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER!,
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID!,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY!,
  },
};

const value = await (async () => {
  configure({ aws: clientConfig, metrics: { enabled: false } });
  const read = await secretmGetSecret(name);
  await secretmGetSecret(jsonName, { key: 'password' });
  DEFAULT_PROVIDERS.secrets = new SecretsProvider({ clientConfig });
  return read;
})();
const map = new Map([[name, value]]);
const powertoolsOptions = { maxAge: 300 };
await powertoolsGetSecret(name, powertoolsOptions);
const keyOptions = { key: 'password' };
const vaultCallsBefore = stats().totals.vaultCalls;

const results = await perCall(
  [
    { name: 'awaited Map.get', run: () => map.get(name) },
    { name: 'secretm getSecret(name)', run: () => secretmGetSecret(name) },
    { name: 'secretm getSecret(name, { key })', run: () => secretmGetSecret(jsonName, keyOptions) },
    { name: 'Powertools getSecret(name)', run: () => powertoolsGetSecret(name, powertoolsOptions) },
  ],
  { batch: 1_000, samples: 300, warmup: 50_000 },
);
process.stdout.write(
  JSON.stringify({ results, secretmVaultCalls: stats().totals.vaultCalls - vaultCallsBefore }),
);
