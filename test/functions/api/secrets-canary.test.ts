/**
 * A planted value never appears in any DynamoDB item, log line, error response or audit record
 * written during a full CRUD run.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalApi, startLocalApi } from '../../local/local-fixture.ts';

let api: LocalApi;
const logged: string[] = [];
beforeAll(async () => {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '));
    });
  }
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: never[]) => {
      logged.push(String(chunk));
      return write(chunk as string, ...rest);
    }) as typeof stream.write);
  }
  api = await startLocalApi();
});
afterAll(async () => {
  vi.restoreAllMocks();
  await api.stop();
});

const canary = 'CANARY-7f3a9c1e-do-not-leak';
const canaryFile = Buffer.from(`-----BEGIN KEY-----\n${canary}\n-----END KEY-----\n`).toString('base64');

describe('a planted value', () => {
  it('is absent from every item, log line, error response and audit record of a full CRUD run', async () => {
    const answers: string[] = [];
    const call = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
      const answer = await api.request(method, path, {
        ...(body !== undefined ? { body } : {}),
        ...(headers ? { headers } : {}),
      });
      if (!path.endsWith('/value') && !path.includes('format=')) answers.push(answer.text);
      return answer;
    };

    // The full life of an env and a file secret, with failures along the way.
    await call(
      'POST',
      '/v1/secrets',
      { name: 'canary', type: 'env', dotenv: `TOKEN=${canary}\nOTHER=x\n` },
      { 'idempotency-key': 'k1' },
    );
    await call(
      'POST',
      '/v1/secrets',
      { name: 'canary', type: 'env', dotenv: `TOKEN=${canary}\nOTHER=x\n` },
      { 'idempotency-key': 'k1' },
    );
    await call('POST', '/v1/secrets', {
      name: 'canary-file',
      type: 'file',
      file: { content: canaryFile, encoding: 'base64', filename: 'k.pem' },
    });
    await call('POST', '/v1/secrets', { name: 'canary', type: 'env', data: { TOKEN: canary } }); // 409
    await call('POST', '/v1/secrets', { name: 'bad name', type: 'env', data: { TOKEN: canary } }); // 400
    await call('POST', '/v1/secrets', { name: 'big', type: 'env', data: { TOKEN: canary.repeat(3000) } }); // 413
    await call('POST', '/v1/secrets', { name: 'bad-env', type: 'env', dotenv: `TOKEN ${canary}\n` }); // 400 with line number
    await call('POST', '/v1/secrets', { name: 'typed', type: 'env', data: { TOKEN: 5 }, extra: canary }); // 400
    await call('GET', '/v1/secrets/canary/value');
    await call('GET', '/v1/secrets/canary/value?format=dotenv');
    await call('PATCH', '/v1/secrets/canary', { set: { TOKEN2: `${canary}-2` }, unset: ['OTHER'] });
    await call('PATCH', '/v1/secrets/canary', { unset: [canary] }); // 400: not a key name
    await call('PUT', '/v1/secrets/canary', { data: { TOKEN: `${canary}-3` } }, { 'if-match': '"1"' }); // 412
    await call('PUT', '/v1/secrets/canary', { data: { TOKEN: `${canary}-3` } });
    await call('POST', '/v1/secrets/canary/clone', { name: 'canary-copy' });
    await call('POST', '/v1/secrets/canary/rollback', { version: 1 });
    await call('GET', '/v1/secrets/canary/versions');
    await call('GET', '/v1/secrets');
    await call('DELETE', '/v1/secrets/canary');
    await call('POST', '/v1/secrets/canary/restore');
    await call('DELETE', '/v1/secrets/canary-copy?force=true');
    await call('GET', '/v1/secrets/canary-file/value?format=raw');

    const { Items = [] } = await api.documentClient.send(new ScanCommand({ TableName: api.tableName }));
    const audits = Items.filter((item) => typeof item.action === 'string');
    expect(audits.length).toBeGreaterThan(15);
    expect(audits.some((item) => item.outcome === 'failure')).toBe(true);
    expect(JSON.stringify(Items)).not.toContain(canary);
    expect(answers.length).toBeGreaterThan(15);
    for (const answer of answers) expect(answer).not.toContain(canary);
    expect(logged.join('\n')).not.toContain(canary);
    for (const file of await readdir(join(api.dataDir, 'vault', 'secrets'))) {
      expect((await readFile(join(api.dataDir, 'vault', 'secrets', file))).includes(canary)).toBe(false);
    }
  });
});
