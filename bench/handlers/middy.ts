// A minimal handler on middy with @middy/secrets-manager (loads the secret into the context).
import middy from '@middy/core';
import secretsManager from '@middy/secrets-manager';
import type { Context } from 'aws-lambda';

export const handler = middy(
  async (_event: unknown, context: Context) => (context as unknown as { secret?: unknown }).secret,
).use(secretsManager({ fetchData: { secret: process.env.BENCH_SECRET! }, setToContext: true }));
