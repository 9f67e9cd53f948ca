/**
 * `npm start`: secretm on 127.0.0.1 with DynamoDB Local and the encrypted local vault, persisted
 * under SECRETM_DATA_DIR (default ./.secretm). Settings: local-options.ts. Secrets due for rotation
 * are rotated every minute; the audit's hourly digests are written within 5 minutes of being due
 * (GET /v1/audit/verify checks them).
 *
 * stderr says what the start is waiting for, one line per step, and why it stopped, in one line;
 * stdout holds what to use: the address, the admin key when new.
 */

import { credentialVariables } from './layer-env.ts';
import { LocalModeError } from './local-mode-error.ts';
import { settingsFromEnv } from './local-options.ts';
import { type LayerSettings, type RunningLocal, startLocal } from './start-local.ts';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const startedAt = performance.now();
const say = (line: string) => process.stderr.write(`secretm: ${line}\n`);

let running: RunningLocal;
let dataDir: string;
try {
  const settings = settingsFromEnv(process.env);
  dataDir = settings.dataDir;
  running = await startLocal({
    ...settings,
    rotationEveryMs: 60_000,
    auditDigestEveryMs: 5 * 60_000,
    onStage: (stage) => say(`${stage}…`),
  });
} catch (error) {
  if (error instanceof LocalModeError) {
    say(error.message);
  } else {
    const message = String((error as Error)?.message ?? error).split('\n')[0];
    say(
      `could not start: ${message}${process.env.SECRETM_DEBUG ? '' : ' (SECRETM_DEBUG=1 prints the stack)'}`,
    );
    if (process.env.SECRETM_DEBUG) console.error(error);
  }
  process.exit(1);
}

say(`ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
for (const notice of running.notices) say(notice);
console.log(`secretm is listening on ${running.url} (data in ${dataDir})`);
console.log(`API reference: ${running.url}/docs`);
if (running.layer) console.log(layerLines(running.layer).join('\n'));
if (running.newOperatorKey) {
  console.log('\nThe admin API key, shown this once — keep it:\n');
  console.log(`  export SECRETM_API_KEY=${running.newOperatorKey}\n`);
} else {
  console.log(
    'Using the existing admin API key (SECRETM_BOOTSTRAP_API_KEY or the one printed on first start).',
  );
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    void running.stop().then(() => process.exit(0));
  });
}

/** Where the `secretm` layer finds this store: every variable but the access key, which stays in the file. */
function layerLines(layer: LayerSettings): string[] {
  const shown = Object.entries(layer.env).filter(
    ([name]) => !(credentialVariables as readonly string[]).includes(name),
  );
  return [
    '',
    `For the secretm layer in a function on this machine (layers/secretm/README.md), ${layer.envFile} holds:`,
    ...shown.map(([name, value]) => `  ${name}=${value}`),
    `  ${credentialVariables.join(', ')} (this store's access key)`,
    `  e.g. node --env-file=${layer.envFile} my-function.js`,
  ];
}
