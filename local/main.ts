/**
 * `npm start`: secretm on 127.0.0.1 with DynamoDB Local and the encrypted local vault, persisted
 * under SECRETM_DATA_DIR (default ./.secretm). PORT chooses the port (default 8765). Secrets due for
 * rotation are rotated every minute; the audit's hourly digests are written within 5 minutes of being
 * due (GET /v1/audit/verify checks them). SECRETM_PRICES changes the price table of cost reports.
 */
import { LocalModeError } from './local-mode-error.ts';
import { type RunningLocal, startLocal } from './start-local.ts';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const port = Number(process.env.PORT ?? 8765);
const dataDir = process.env.SECRETM_DATA_DIR ?? '.secretm';

let running: RunningLocal;
try {
  running = await startLocal({
    dataDir,
    port,
    rotationEveryMs: 60_000,
    auditDigestEveryMs: 5 * 60_000,
    ...(process.env.SECRETM_BOOTSTRAP_API_KEY ? { bootstrapKey: process.env.SECRETM_BOOTSTRAP_API_KEY } : {}),
    ...(process.env.SECRETM_PRICES ? { prices: process.env.SECRETM_PRICES } : {}),
  });
} catch (error) {
  if (!(error instanceof LocalModeError)) throw error;
  console.error(`secretm: ${error.message}`);
  process.exit(1);
}

for (const notice of running.notices) console.warn(`secretm: ${notice}`);
console.log(`secretm is listening on ${running.url} (data in ${dataDir})`);
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
