/**
 * Tag lists through the HTTP API after every write that changes tags — create, PATCH, PUT, clone, import
 * (from AWS Secrets Manager on moto), rollback, delete and restore, purge — answer exactly what the
 * secrets' metadata says: the tag index those lists read is kept in the writes' own transactions.
 */
import { randomUUID } from 'node:crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';

let api: LocalApi;
const awsCredentials = { accessKeyId: 'AKIDSECRETMTEST', secretAccessKey: `aws-${randomUUID()}` };

beforeAll(async () => {
  api = await startLocalApi();
});
afterAll(async () => {
  await api.stop();
});

interface Listed {
  name: string;
  tags: Record<string, string>;
}

async function listAll(query: string): Promise<Listed[]> {
  const found: Listed[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.request(
      'GET',
      `/v1/secrets?includeDeleted=true&limit=2${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(page.status, page.text).toBe(200);
    found.push(...page.json.items);
    cursor = page.json.cursor;
  } while (cursor);
  return found;
}

/** Every tag key and key=value list answers the secrets whose metadata carries it, and no other. */
async function expectListsMatchMetadata(): Promise<void> {
  const all = await listAll('');
  const pairs = new Set(all.flatMap((secret) => Object.entries(secret.tags).map(([k, v]) => `${k}=${v}`)));
  const keys = new Set([...all.flatMap((secret) => Object.keys(secret.tags)), 'team', 'env', 'tier']);
  for (const key of keys) {
    const expected = all.filter((secret) => Object.hasOwn(secret.tags, key)).map((secret) => secret.name);
    const listed = await listAll(`&tag=${encodeURIComponent(key)}`);
    expect(
      listed.map((secret) => secret.name),
      key,
    ).toEqual(expected);
  }
  for (const pair of pairs) {
    const [key, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
    const expected = all.filter((secret) => secret.tags[key] === value).map((secret) => secret.name);
    const listed = await listAll(`&tag=${encodeURIComponent(pair)}`);
    expect(
      listed.map((secret) => secret.name),
      pair,
    ).toEqual(expected);
  }
}

describe('tag lists follow every write that changes tags', () => {
  it('after create, PATCH, PUT, clone, import, rollback, delete, restore and purge', async () => {
    const write = async (method: string, path: string, body?: unknown) => {
      const answer = await api.request(method, path, body === undefined ? {} : { body });
      expect(answer.status, `${method} ${path}: ${answer.text}`).toBeLessThan(300);
      await expectListsMatchMetadata();
      return answer;
    };

    await write('POST', '/v1/secrets', {
      name: 'app',
      type: 'env',
      data: { K: 'v' },
      tags: { team: 'blue' },
    });
    await write('POST', '/v1/secrets', { name: 'web', type: 'env', data: { K: 'v' }, tags: { team: 'red' } });
    await write('PATCH', '/v1/secrets/app', { tags: { team: 'red', env: 'prod' } });
    await write('PATCH', '/v1/secrets/app', { tags: { env: null, tier: '1' } });
    await write('PUT', '/v1/secrets/web', { type: 'env', data: { K: 'w' }, tags: { env: 'dev' } });
    await write('POST', '/v1/secrets/app/clone', { name: 'app-copy', tags: { team: 'green' } });
    await write('POST', '/v1/secrets/app/rollback', { version: 1 });

    const created = await api.request('POST', '/v1/connections', {
      body: {
        name: 'aws-tags',
        kind: 'aws-secrets-manager',
        config: { region: 'us-east-1', endpoint: inject('motoEndpoint') },
        credentials: awsCredentials,
      },
    });
    expect(created.status, created.text).toBe(201);
    const outside = `tagged-outside-${randomUUID().slice(0, 8)}`;
    await new SecretsManagerClient({
      endpoint: inject('motoEndpoint'),
      region: 'us-east-1',
      credentials: awsCredentials,
    }).send(new CreateSecretCommand({ Name: outside, SecretString: JSON.stringify({ user: 'app' }) }));
    await write('POST', '/v1/secrets/import', {
      connection: 'aws-tags',
      ref: outside,
      name: 'imported',
      tags: { team: 'blue', env: 'prod' },
    });

    await write('DELETE', '/v1/secrets/web');
    expect((await listAll('&tag=env%3Ddev')).map((secret) => secret.name)).toEqual(['web']);
    await write('POST', '/v1/secrets/web/restore');
    await write('DELETE', '/v1/secrets/app-copy?force=true');
    expect(await listAll('&tag=team%3Dgreen')).toEqual([]);
  });
});
