/**
 * The middy middleware, run by @middy/core, reading from moto.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createSecretm } from '../../../layers/secretm/src/index.ts';
import { secretsMiddleware } from '../../../layers/secretm/src/middleware.ts';
import { NotFoundError, ValidationError } from '../../../shared/errors.ts';
import {
  createAwsSecret,
  credentials,
  fakeClock,
  region,
  rejectionOf,
  uniqueSecretName,
} from './layer-fixtures.ts';

const lambdaContext = () => ({ functionName: 'fn', awsRequestId: 'req' }) as unknown as Context;

function client() {
  return createSecretm({
    aws: { region, endpoint: inject('motoEndpoint'), credentials },
    clock: fakeClock(),
  });
}

const envNames: string[] = [];
afterEach(() => {
  for (const name of envNames.splice(0)) delete process.env[name];
});

describe('secretsMiddleware', () => {
  it('loads named secrets into the context before the handler runs', async () => {
    const db = await createAwsSecret('{"user":"app","password":"pw"}');
    const token = await createAwsSecret('tok');
    const handler = middy(async (_event: unknown, context: Context) => {
      const loaded = context as Context & Record<string, unknown>;
      return { password: loaded.dbPassword, token: loaded.apiToken };
    }).use(
      secretsMiddleware({
        fetch: { dbPassword: { name: db.name, key: 'password' }, apiToken: token.name },
        client: client(),
      }),
    );

    const answer = await handler({}, lambdaContext());

    expect(answer).toEqual({ password: 'pw', token: 'tok' });
  });

  it('loads text values into process.env', async () => {
    const db = await createAwsSecret('{"password":"from-env"}');
    envNames.push('SECRETM_TEST_DB_PASSWORD');
    const handler = middy(async () => process.env.SECRETM_TEST_DB_PASSWORD).use(
      secretsMiddleware({
        fetch: { SECRETM_TEST_DB_PASSWORD: { name: db.name, key: 'password' } },
        to: 'env',
        client: client(),
      }),
    );

    const answer = await handler({}, lambdaContext());

    expect(answer).toBe('from-env');
  });

  it('does its work synchronously on a warm invocation, with no promise to wait for', async () => {
    const token = await createAwsSecret('warm');
    const middleware = secretsMiddleware({ fetch: { token: token.name }, client: client() });
    await middleware.before({ context: {} });
    const request = { context: {} as Record<string, unknown> };

    const returned = middleware.before(request);

    expect(returned).toBeUndefined();
    expect(request.context.token).toBe('warm');
  });

  it('fails the invocation when a secret cannot be read', async () => {
    const handler = middy(async () => 'ran').use(
      secretsMiddleware({ fetch: { x: uniqueSecretName() }, client: client() }),
    );

    const error = await rejectionOf(handler({}, lambdaContext()));

    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('refuses a value that is not text for process.env', async () => {
    const binary = await createAwsSecret(new Uint8Array([1, 2]));
    const middleware = secretsMiddleware({
      fetch: { SECRETM_TEST_BINARY: binary.name },
      to: 'env',
      client: client(),
    });

    const error = await rejectionOf(Promise.resolve(middleware.before({ context: {} })));

    expect(error).toBeInstanceOf(ValidationError);
    expect(process.env.SECRETM_TEST_BINARY).toBeUndefined();
  });

  it.each([
    ['an unknown option', { fetch: { a: 'b' }, cacheExpiry: 5 }],
    ['nothing to fetch', { fetch: {} }],
    ['an unknown option of a secret', { fetch: { a: { name: 'b', cacheKey: 'x' } } }],
    ['an environment variable name that is not one', { fetch: { 'not-a-var': 'b' }, to: 'env' }],
    ['an unknown destination', { fetch: { a: 'b' }, to: 'internal' }],
  ])('refuses %s', (_case, options) => {
    expect(() => secretsMiddleware(options as never)).toThrow(ValidationError);
  });
});
