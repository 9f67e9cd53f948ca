/**
 * Local mode serves the built console at `/` under a strict CSP, only the files the build wrote, and
 * says how to build it when it is not built; the API's paths are never touched.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { precompress } from '../../console/tools/build.ts';
import { consoleCsp, createConsoleAssets } from '../../local/console-assets.ts';

let server: Server | undefined;
let dir: string | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  if (dir) await rm(dir, { recursive: true, force: true });
  server = undefined;
  dir = undefined;
});

/** A server whose console is `consoleDir`; what the console does not answer gets 418. */
async function serve(consoleDir: string): Promise<string> {
  const assets = createConsoleAssets(consoleDir);
  server = createServer((req, res) => {
    if (!assets(req, res)) {
      res.writeHead(418);
      res.end('api');
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

async function builtConsole(): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'secretm-console-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(
    join(dir, 'index.html'),
    '<!doctype html><script type="module" src="/assets/app-1.js"></script>',
  );
  await writeFile(join(dir, 'assets', 'app-1.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'outside the assets');
  return dir;
}

describe('the console in local mode', () => {
  it('serves index.html and the hashed assets with a strict CSP that forbids inline script and framing', async () => {
    const url = await serve(await builtConsole());

    const index = await fetch(`${url}/`);
    const script = await fetch(`${url}/assets/app-1.js`);

    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy')!;
    expect(csp).toBe(consoleCsp);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toContain('immutable');
    expect(await script.text()).toBe('console.log(1)');
  });

  it('answers in the compressed form the build wrote when the browser accepts it, and HEAD without a body', async () => {
    const consoleDir = await builtConsole();
    const script = `export const names = ${JSON.stringify(Array.from({ length: 200 }, (_, i) => `n${i}`))};`;
    await writeFile(join(consoleDir, 'assets', 'app-2.js'), script);
    await precompress(join(consoleDir, 'assets'));
    const url = await serve(consoleDir);

    const br = await fetch(`${url}/assets/app-2.js`, { headers: { 'accept-encoding': 'br' } });
    const plain = await fetch(`${url}/assets/app-2.js`, { headers: { 'accept-encoding': 'identity' } });
    const head = await fetch(`${url}/assets/app-2.js`, { method: 'HEAD' });

    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toBe('accept-encoding');
    expect(await br.text()).toBe(script);
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(script);
    expect(head.status).toBe(200);
    expect(head.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await head.text()).toBe('');
  });

  it('leaves the API’s paths, other methods and every file the build did not list to the API', async () => {
    const url = await serve(await builtConsole());

    const answers = await Promise.all([
      fetch(`${url}/v1/health`),
      fetch(`${url}/`, { method: 'POST' }),
      fetch(`${url}/secret.txt`),
      fetch(`${url}/assets/..%2Fsecret.txt`),
      fetch(`${url}/assets/missing.js`),
    ]);

    expect(answers.map((answer) => answer.status)).toEqual([418, 418, 418, 418, 418]);
  });

  it('reads the build on the first console request, never on an API request', async () => {
    const consoleDir = await builtConsole();
    const url = await serve(consoleDir);

    // Rebuilt after the API's requests: had they read the folder, `/` would answer the first build.
    expect((await fetch(`${url}/v1/secrets/db/value`)).status).toBe(418);
    expect((await fetch(`${url}/v1/health`)).status).toBe(418);
    await writeFile(join(consoleDir, 'index.html'), '<!doctype html><title>the second build</title>');
    const index = await fetch(`${url}/`);

    expect(index.status).toBe(200);
    expect(await index.text()).toContain('the second build');
  });

  it('says how to build the console when it is not built', async () => {
    dir = await mkdtemp(join(tmpdir(), 'secretm-console-'));
    const url = await serve(join(dir, 'not-built'));

    const index = await fetch(`${url}/`);

    expect(index.status).toBe(503);
    expect(await index.text()).toContain('npm run build:console');
    expect((await fetch(`${url}/v1/health`)).status).toBe(418);
  });
});
