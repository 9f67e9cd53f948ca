/**
 * Serves the built console (console/dist) at `/`, same origin as the API, under a strict
 * Content-Security-Policy: scripts, styles and requests from this origin only, no inline script, no
 * framing. Only the files the build wrote are served (listed once, so no path from a request ever
 * reaches the file system); `/v1/…` is never touched. Without a build, `/` says how to make one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const consoleCsp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders = {
  'content-security-policy': consoleCsp,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export const defaultConsoleDir = fileURLToPath(new URL('../console/dist/', import.meta.url));

const notBuilt =
  'The secretm console is not built. Run `npm run build:console` in the repository, then reload this page.\n' +
  'The API is served here all the same, under /v1.\n';

interface Asset {
  body: Buffer;
  type: string;
  immutable: boolean;
}

/** Reads what the build wrote: index.html and the hashed files under assets/. */
function readBuild(dir: string): Map<string, Asset> | undefined {
  let index: Buffer;
  try {
    index = readFileSync(join(dir, 'index.html'));
  } catch {
    return undefined;
  }
  const files = new Map<string, Asset>([
    ['/', { body: index, type: contentTypes['.html']!, immutable: false }],
  ]);
  let names: string[] = [];
  try {
    names = readdirSync(join(dir, 'assets'));
  } catch {
    // A build with no assets folder serves its index only.
  }
  for (const name of names) {
    const type = contentTypes[extname(name)];
    if (type)
      files.set(`/assets/${name}`, { body: readFileSync(join(dir, 'assets', name)), type, immutable: true });
  }
  return files;
}

/**
 * Answers a console request and returns true, or returns false for anything else (the API's requests).
 * The build is read on the first request, and again while there is none, so building after start works.
 */
export function createConsoleAssets(dir: string = defaultConsoleDir) {
  let build: Map<string, Asset> | undefined;
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0]!;
    const wanted = path === '/index.html' ? '/' : path;
    if (wanted !== '/' && !wanted.startsWith('/assets/')) return false;
    build ??= readBuild(dir);
    if (!build) {
      if (wanted !== '/') return false;
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', ...securityHeaders });
      res.end(req.method === 'HEAD' ? undefined : notBuilt);
      return true;
    }
    const asset = build.get(wanted);
    if (!asset) return false;
    res.writeHead(200, {
      'content-type': asset.type,
      'content-length': String(asset.body.length),
      'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...securityHeaders,
    });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
    return true;
  };
}
