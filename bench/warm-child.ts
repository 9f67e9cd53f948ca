/**
 * Warm cached reads per call, in a fresh `node` process: an awaited Map.get, secretm's getSecret (plain,
 * with a key, and on a clock read at every call: a read that is the first of its event-loop turn) and
 * Powertools' getSecret, interleaved. The secrets (BENCH_SECRET, a text one, and
 * BENCH_JSON_SECRET, a JSON one) are read once from AWS_ENDPOINT_URL_SECRETS_MANAGER before timing;
 * prints `{ results: { variant: { median, p99 } }, requests }` in ns per call.
 */
import { DEFAULT_PROVIDERS } from '@aws-lambda-powertools/parameters/base';
import { getSecret as powertoolsGetSecret, SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  configure,
  createSecretm,
  getSecret as secretmGetSecret,
  stats,
} from '../layers/secretm/src/index.ts';
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
// The same read on a clock read exactly every time: what a read that is the first of its event-loop
// turn pays (the default clock reads the wall clock once per turn, layers/secretm/src/turn-clock.ts).
const everyRead = createSecretm({ aws: clientConfig, metrics: { enabled: false }, clock: { now: Date.now } });
await everyRead.getSecret(name);
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
    { name: 'secretm getSecret(name), clock read on every call', run: () => everyRead.getSecret(name) },
    { name: 'Powertools getSecret(name)', run: () => powertoolsGetSecret(name, powertoolsOptions) },
  ],
  { batch: 1_000, samples: 300, warmup: 50_000 },
);
process.stdout.write(
  JSON.stringify({ results, secretmVaultCalls: stats().totals.vaultCalls - vaultCallsBefore }),
);
