/**
 * The Key Vault test server speaks the Key Vault REST API for secrets as its specification writes it
 * (Azure/azure-rest-api-specs, specification/keyvault/data-plane): checked here over plain HTTPS, below
 * the SDK, so a shape the SDK happens to tolerate cannot hide a difference.
 */
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeyVaultServer, keyVaultTestToken, startKeyVaultServer } from './azure-key-vault.ts';

let server: KeyVaultServer;

beforeAll(async () => {
  server = await startKeyVaultServer();
});
afterAll(async () => {
  await server.stop();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: answers are inspected freely
  body: any;
}

function call(
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null } = {},
): Promise<Answer> {
  const token = options.token === undefined ? keyVaultTestToken : options.token;
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      {
        method,
        ca: server.caCert,
        headers: {
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(JSON.stringify(options.body));
    req.end();
  });
}

const v = 'api-version=7.5';

describe('the Key Vault test server', () => {
  it('answers a request without a token with 401 and the bearer challenge the SDK follows', async () => {
    const answer = await call('GET', `/secrets?${v}`, { token: null });

    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(
      /^Bearer authorization="https:\/\/login\.microsoftonline\.com\/[0-9a-f-]+", resource="https:\/\/vault\.azure\.net"$/,
    );
    expect(answer.body).toEqual({ error: { code: 'Unauthorized', message: expect.any(String) } });
  });

  it('requires a known api-version, with a BadParameter error body', async () => {
    const missing = await call('GET', '/secrets');
    const unknown = await call('GET', '/secrets?api-version=1.0');

    for (const answer of [missing, unknown]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('BadParameter');
    }
    expect(unknown.body.error.message).toContain('(1.0) is not recognized');
  });

  it('sets and gets a SecretBundle: id with version, value, attributes in Unix seconds, tags, content type', async () => {
    const set = await call('PUT', `/secrets/bundle-shape?${v}`, {
      body: { value: 'v1', contentType: 'text/plain', tags: { a: 'b' } },
    });
    const version = String(set.body.id).split('/').at(-1);
    const current = await call('GET', `/secrets/bundle-shape/?${v}`);
    const byVersion = await call('GET', `/secrets/bundle-shape/${version}?${v}`);
    const absent = await call('GET', `/secrets/no-such-secret/?${v}`);

    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      value: 'v1',
      id: `${server.url}/secrets/bundle-shape/${version}`,
      contentType: 'text/plain',
      tags: { a: 'b' },
      attributes: { enabled: true, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 },
    });
    expect(version).toMatch(/^[0-9a-f]{32}$/);
    expect(Number.isInteger(set.body.attributes.created)).toBe(true);
    expect(current.body).toEqual(set.body);
    expect(byVersion.body).toEqual(set.body);
    expect(absent.status).toBe(404);
    expect(absent.body.error.code).toBe('SecretNotFound');
  });

  it('pages the secret list with an absolute nextLink carrying api-version, $skiptoken and maxresults (1–25)', async () => {
    for (const name of ['page-a', 'page-b', 'page-c'])
      await call('PUT', `/secrets/${name}?${v}`, { body: { value: 'x' } });

    const first = await call('GET', `/secrets?${v}&maxresults=2`);
    const next = new URL(first.body.nextLink);
    const second = await call('GET', `${next.pathname}${next.search}`);
    const tooMany = await call('GET', `/secrets?${v}&maxresults=26`);

    expect(first.body.value).toHaveLength(2);
    expect(first.body.value[0]).not.toHaveProperty('value');
    expect(first.body.value[0].id).not.toMatch(/\/[0-9a-f]{32}$/);
    expect(next.origin).toBe(server.url);
    expect(next.pathname).toBe('/secrets');
    expect(next.searchParams.get('api-version')).toBe('7.5');
    expect(next.searchParams.get('maxresults')).toBe('2');
    expect(next.searchParams.get('$skiptoken')).toBeTruthy();
    expect(second.body.value.length).toBeGreaterThan(0);
    expect(tooMany.status).toBe(400);
  });

  it('soft-deletes into a DeletedSecretBundle, refuses the name while deleted, recovers and purges', async () => {
    await call('PUT', `/secrets/doomed?${v}`, { body: { value: 'x' } });

    const deleted = await call('DELETE', `/secrets/doomed?${v}`);
    const reuse = await call('PUT', `/secrets/doomed?${v}`, { body: { value: 'y' } });
    const listed = await call('GET', `/deletedsecrets?${v}`);
    const recovered = await call('POST', `/deletedsecrets/doomed/recover?${v}`);
    const readable = await call('GET', `/secrets/doomed/?${v}`);
    await call('DELETE', `/secrets/doomed?${v}`);
    const purged = await call('DELETE', `/deletedsecrets/doomed?${v}`);
    const gone = await call('GET', `/deletedsecrets/doomed?${v}`);

    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ recoveryId: `${server.url}/deletedsecrets/doomed` });
    expect(deleted.body).not.toHaveProperty('value');
    expect(deleted.body.scheduledPurgeDate - deleted.body.deletedDate).toBe(90 * 86_400);
    expect(reuse.status).toBe(409);
    expect(reuse.body.error).toMatchObject({
      code: 'Conflict',
      innererror: { code: 'ObjectIsDeletedButRecoverable' },
    });
    expect(listed.body.value.map((item: { recoveryId: string }) => item.recoveryId)).toContain(
      `${server.url}/deletedsecrets/doomed`,
    );
    expect(recovered.status).toBe(200);
    expect(readable.body.value).toBe('x');
    expect(purged.status).toBe(204);
    expect(gone.status).toBe(404);
  });
});
