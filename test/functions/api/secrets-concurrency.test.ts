/** Concurrent writers never lose a version. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi();
});
afterAll(async () => {
  await api.stop();
});

describe('concurrent writes', () => {
  it('lets exactly one of 20 replaces with the same If-Match succeed, the others 412, and loses no version', async () => {
    await api.request('POST', '/v1/secrets', {
      body: { name: 'contended', type: 'env', data: { N: 'start' } },
    });

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.request('PUT', '/v1/secrets/contended', {
          body: { data: { N: `writer-${i}` } },
          headers: { 'if-match': '"1"' },
        }),
      ),
    );

    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(19);
    const winner = answers.find((answer) => answer.status === 200)!;
    const versions = await api.request('GET', '/v1/secrets/contended/versions');
    expect(versions.json.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const current = await api.request('GET', '/v1/secrets/contended/value');
    expect(current.json.version).toBe(winner.json.version);
    expect(current.json.data.N).toMatch(/^writer-\d+$/);
  });

  it('applies 10 concurrent replaces without If-Match one after another, each its own version', async () => {
    await api.request('POST', '/v1/secrets', { body: { name: 'queued', type: 'env', data: { N: 'start' } } });

    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api.request('PUT', '/v1/secrets/queued', { body: { data: { N: `writer-${i}` } } }),
      ),
    );

    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect(answers.map((answer) => answer.json.version).sort((a, b) => a - b)).toEqual([
      2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    ]);
    const versions = await api.request('GET', '/v1/secrets/queued/versions?limit=100');
    expect(versions.json.items.map((v: { version: number }) => v.version)).toEqual([
      11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1,
    ]);
    for (const version of [2, 6, 11]) {
      const read = await api.request('GET', `/v1/secrets/queued/value?version=${version}`);
      expect(read.json.data.N).toMatch(/^writer-\d$/);
    }
  });
});
