/**
 * The deployment's console function, fed API Gateway v2 events: it serves index.html and the build's
 * hashed assets with the console's security and cache headers (compressed when the client accepts
 * it, as base64), and answers 404 for anything the build did not write, `../` included.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { precompress } from '../../../console/tools/build.ts';
import { createConsoleHandler } from '../../../functions/console/console-handler.ts';
import { consoleCsp } from '../../../functions/console/console-site.ts';

let dir: string | undefined;

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const index = '<!doctype html><title>secretm</title><script type="module" src="/assets/app-1.js"></script>';
/** Large enough to be compressed by the build (1 KiB and more). */
const script = `export const pages = ${JSON.stringify(Array.from({ length: 200 }, (_, i) => `page-${i}`))};\n`;

/** A console build as console/tools/build.ts writes it, and a file beside it that is not the console's. */
async function builtConsole(): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'secretm-console-fn-'));
  await mkdir(join(dir, 'console', 'assets'), { recursive: true });
  await writeFile(join(dir, 'console', 'index.html'), index);
  await writeFile(join(dir, 'console', 'assets', 'app-1.js'), script);
  await writeFile(join(dir, 'console', 'assets', 'app-1.css'), 'body{margin:0}');
  await precompress(join(dir, 'console', 'assets'));
  await writeFile(join(dir, 'secret.txt'), 'not the console');
  return join(dir, 'console');
}

function event(
  routeKey: string,
  path: string,
  headers: Record<string, string> = {},
  pathParameters?: Record<string, string>,
): APIGatewayProxyEventV2 {
  const [method] = routeKey.split(' ');
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example', ...headers },
    ...(pathParameters ? { pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example',
      domainPrefix: 'api',
      http: { method: method!, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'test' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
}

const asset = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  event(`${method} /assets/{file}`, path, headers, {
    file: decodeURIComponent(path.slice('/assets/'.length)),
  });

function bytes(result: APIGatewayProxyStructuredResultV2): Buffer {
  return Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
}

function expectConsoleHeaders(result: APIGatewayProxyStructuredResultV2): void {
  expect(result.headers).toMatchObject({
    'content-security-policy': consoleCsp,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
}

describe('the console function', () => {
  it('serves index.html as text, not cached without revalidation, under the console’s CSP', async () => {
    const handler = createConsoleHandler(await builtConsole());

    const result = await handler(event('GET /', '/'));

    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(false);
    expect(result.body).toBe(index);
    expect(result.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(result.headers?.['cache-control']).toBe('no-cache');
    expect(result.headers?.etag).toMatch(/^"[\w-]+"$/);
    expectConsoleHeaders(result);
    expect(String(result.headers?.['content-security-policy'])).not.toContain('unsafe-inline');
  });

  it('serves a hashed asset for a year, immutable, compressed as the client prefers', async () => {
    const handler = createConsoleHandler(await builtConsole());

    const plain = await handler(asset('/assets/app-1.js'));
    const br = await handler(asset('/assets/app-1.js', { 'accept-encoding': 'gzip, deflate, br' }));
    const gzip = await handler(asset('/assets/app-1.js', { 'accept-encoding': 'br;q=0, gzip' }));
    const small = await handler(asset('/assets/app-1.css', { 'accept-encoding': 'br' }));

    for (const result of [plain, br, gzip, small]) {
      expect(result.statusCode).toBe(200);
      expect(result.headers?.['cache-control']).toBe('public, max-age=31536000, immutable');
      expectConsoleHeaders(result);
    }
    expect(plain.headers?.['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers?.['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(script);
    expect(br.headers).toMatchObject({ 'content-encoding': 'br', vary: 'accept-encoding' });
    expect(br.isBase64Encoded).toBe(true);
    expect(brotliDecompressSync(bytes(br)).toString('utf8')).toBe(script);
    expect(gzip.headers?.['content-encoding']).toBe('gzip');
    expect(gunzipSync(bytes(gzip)).toString('utf8')).toBe(script);
    expect(new Set([plain.headers?.etag, br.headers?.etag, gzip.headers?.etag]).size).toBe(3);
    // Under 1 KiB: never compressed, so it has one form only.
    expect(small.headers?.['content-encoding']).toBeUndefined();
    expect(small.headers?.vary).toBeUndefined();
    expect(small.body).toBe('body{margin:0}');
  });

  it('answers HEAD with the headers and no body, and a matching If-None-Match with 304', async () => {
    const handler = createConsoleHandler(await builtConsole());
    const first = await handler(event('GET /', '/'));

    const head = await handler(asset('/assets/app-1.js', { 'accept-encoding': 'br' }, 'HEAD'));
    const revalidated = await handler(event('GET /', '/', { 'if-none-match': String(first.headers?.etag) }));
    const changed = await handler(event('GET /', '/', { 'if-none-match': '"something-else"' }));

    expect(head.statusCode).toBe(200);
    expect(head.body).toBeUndefined();
    expect(head.headers?.['content-encoding']).toBe('br');
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBeUndefined();
    expect(revalidated.headers?.etag).toBe(first.headers?.etag);
    expectConsoleHeaders(revalidated);
    expect(changed.statusCode).toBe(200);
  });

  it('answers 404 in the API’s error shape for ../, encoded or not, and every file the build did not write', async () => {
    const handler = createConsoleHandler(await builtConsole());

    const results = await Promise.all([
      handler(asset('/assets/..%2Fsecret.txt')),
      handler(asset('/assets/%2E%2E%2F%2E%2E%2Fsecret.txt')),
      handler(asset('/assets/..%2Findex.html')),
      handler(event('GET /assets/{file}', '/assets/../../secret.txt', {}, { file: '../../secret.txt' })),
      handler(asset('/assets/missing.js')),
      handler(asset('/assets/app-1.js.br')),
      handler(event('GET /secret.txt', '/secret.txt')),
      handler(event('POST /', '/')),
    ]);

    for (const result of results) {
      expect(result.statusCode).toBe(404);
      expect(result.headers?.['content-type']).toBe('application/json');
      const body = JSON.parse(result.body ?? '{}') as { error: { code: string; requestId: string } };
      expect(body.error.code).toBe('not_found');
      expect(body.error.requestId).toBe(result.headers?.['x-request-id']);
      expect(result.body).not.toContain('not the console');
    }
  });

  it('says how to build the console when its package holds none', async () => {
    dir = await mkdtemp(join(tmpdir(), 'secretm-console-fn-'));
    const handler = createConsoleHandler(join(dir, 'console'));

    const result = await handler(event('GET /', '/'));

    expect(result.statusCode).toBe(503);
    expect(result.body).toContain('npm run build:console');
    expectConsoleHeaders(result);
  });
});
