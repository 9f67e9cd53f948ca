/**
 * Local mode in a process of its own for bench/api.ts, as `npm start` would run it, so the bench's client
 * and counting proxy do not share its thread. Forked with IPC (`startLocalChild` in bench/api.ts), it is
 * sent its options as its first message, starts local mode on a free port on the DynamoDB it is given and
 * answers `{ url }` (or `{ error }`); it stops local mode and exits when told `'stop'` or when its parent
 * goes away.
 */
import { type RunningLocal, startLocal } from '../local/start-local.ts';

export interface LocalChildOptions {
  dataDir: string;
  bootstrapKey: string;
  dynamodbEndpoint: string;
  tableName: string;
}

export type LocalChildAnswer = { url: string } | { error: string };

process.env.AWS_EC2_METADATA_DISABLED = 'true';

let local: RunningLocal | undefined;
let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await local?.stop();
  process.exit(0);
}
process.on('message', (message) => {
  if (message === 'stop') void stop();
});
process.once('disconnect', () => void stop());

const options = await new Promise<LocalChildOptions>((resolve) => {
  process.once('message', (message) => resolve(message as LocalChildOptions));
});
try {
  local = await startLocal({ ...options, port: 0 });
  process.send!({ url: local.url } satisfies LocalChildAnswer);
} catch (error) {
  process.stderr.write(`bench local child: ${(error as Error).stack ?? error}\n`);
  process.send!({ error: (error as Error).message ?? String(error) } satisfies LocalChildAnswer, () =>
    process.exit(1),
  );
}
