/**
 * The middlewares' cost per warm invocation, in a fresh `node` process. Each stack gets its own copy
 * of @middy/core (imported again under another URL), so middy's code never sees another stack's
 * middlewares (as in a Lambda sandbox, which runs one handler) while the variants are still timed
 * interleaved in one process. Reads the secret named by BENCH_SECRET from the endpoint in
 * AWS_ENDPOINT_URL_SECRETS_MANAGER; prints `{ variant: { median, p99 } }` in ns per invocation.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import secretsManager from '@middy/secrets-manager';
import type { Context } from 'aws-lambda';
import { secretsMiddleware } from '../layers/secretm/src/index.ts';
import { perCall } from './measure.ts';

type Invoke = (event: unknown, context: Context) => Promise<unknown>;
type Middy = (handler: (event: unknown, context: Context) => Promise<unknown>) => Invoke & {
  use(middleware: object): Invoke;
};

const name = process.env.BENCH_SECRET!;
const awsClientOptions = {
  region: process.env.AWS_REGION!,
  endpoint: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER!,
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID!,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY!,
  },
};
const middyUrl = pathToFileURL(createRequire(import.meta.url).resolve('@middy/core')).href;
const ownMiddy = async (copy: string): Promise<Middy> =>
  (await import(`${middyUrl}?copy=${copy}`)).default as Middy;
const handler = () => async (_event: unknown, context: Context) =>
  (context as unknown as Record<string, unknown>).token;

const stacks: Record<string, Invoke> = {
  'bare middy': (await ownMiddy('bare'))(handler()),
  'middy + no-op middleware': (await ownMiddy('noop'))(handler()).use({ before: () => undefined }),
  'middy + secretm': (await ownMiddy('secretm'))(handler()).use(
    secretsMiddleware({ fetch: { token: name } }),
  ),
  'middy + @middy/secrets-manager': (await ownMiddy('secrets-manager'))(handler()).use(
    secretsManager({ fetchData: { token: name }, setToContext: true, awsClientOptions }),
  ),
};
const contexts = Object.fromEntries(
  Object.keys(stacks).map((variant) => [
    variant,
    { functionName: 'bench', awsRequestId: 'warm' } as unknown as Context,
  ]),
);
for (const [variant, invoke] of Object.entries(stacks)) await invoke({}, contexts[variant]!);
const results = await perCall(
  Object.entries(stacks).map(([variant, invoke]) => ({
    name: variant,
    run: () => invoke({}, contexts[variant]!),
  })),
  { batch: 1_000, samples: 250, warmup: 20_000 },
);
const tokens = Object.fromEntries(
  Object.entries(contexts).map(([variant, context]) => [
    variant,
    (context as unknown as Record<string, unknown>).token,
  ]),
);
process.stdout.write(JSON.stringify({ results, tokens }));
