/**
 * The web console's files as secretm serves them, from the API's own origin: local mode
 * (local/console-assets.ts) and the deployment's console function (functions/console/handler.ts) both
 * answer through this module, so their paths, headers and lookup cannot drift.
 *
 * - Paths: `GET`/`HEAD` of `/` (index.html) and `/assets/{file}` (the build's hashed files); the CDK
 *   stack makes its API Gateway routes from `consoleRoutes`.
 * - Only the files the build wrote are served: the build folder is listed once, into memory, and a
 *   request path is only ever a key of that map, so no path from a request reaches the file system.
 * - Headers: a strict Content-Security-Policy (this origin only, no inline script, no framing) and the
 *   other security headers on every answer; `no-cache` (with an ETag) for index.html, a year and
 *   `immutable` for hashed assets.
 * - Compression: a file the build also wrote as `<file>.br` or `<file>.gz` (console/tools/build.ts
 *   writes both for text files of 1 KiB and more) is answered in that encoding when the request
 *   accepts it, with `Vary: Accept-Encoding`.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

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

export const consoleSecurityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': consoleCsp,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/** The routes the console answers, in API Gateway's path syntax. */
export const consoleRoutes = [
  { method: 'GET', path: '/' },
  { method: 'HEAD', path: '/' },
  { method: 'GET', path: '/assets/{file}' },
  { method: 'HEAD', path: '/assets/{file}' },
] as const;

export const immutableCache = 'public, max-age=31536000, immutable';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Encodings a build may hold a file in, by the suffix it writes them under, in order of preference. */
export const encodings = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;
type Encoding = (typeof encodings)[number]['name'];

export const notBuiltMessage =
  'The secretm console is not built. Run `npm run build:console` in the repository, then reload this page.\n' +
  'The API is served here all the same, under /v1.\n';

interface Representation {
  body: Buffer;
  etag: string;
}

interface ConsoleFile {
  type: string;
  immutable: boolean;
  identity: Representation;
  encoded: Partial<Record<Encoding, Representation>>;
}

/** What the build wrote, by request path (`/`, `/assets/<name>`). */
export type ConsoleBuild = ReadonlyMap<string, ConsoleFile>;

/** Reads a console build folder: index.html and the files under assets/; undefined without index.html. */
export function readConsoleBuild(dir: string): ConsoleBuild | undefined {
  let index: Buffer;
  try {
    index = readFileSync(join(dir, 'index.html'));
  } catch {
    return undefined;
  }
  const files = new Map<string, ConsoleFile>([['/', consoleFile(index, contentTypes['.html']!, false)]]);
  let names: string[] = [];
  try {
    names = readdirSync(join(dir, 'assets'), { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
  } catch {
    // A build with no assets folder serves its index only.
  }
  const present = new Set(names);
  for (const name of names) {
    const type = contentTypes[extname(name)];
    if (!type) continue;
    const file = consoleFile(readFileSync(join(dir, 'assets', name)), type, true);
    for (const { name: encoding, suffix } of encodings) {
      if (!present.has(name + suffix)) continue;
      const body = readFileSync(join(dir, 'assets', name + suffix));
      file.encoded[encoding] = { body, etag: `"${file.identity.etag.slice(1, -1)}-${encoding}"` };
    }
    files.set(`/assets/${name}`, file);
  }
  return files;
}

function consoleFile(body: Buffer, type: string, immutable: boolean): ConsoleFile {
  const digest = createHash('sha256').update(body).digest('base64url').slice(0, 22);
  return { type, immutable, identity: { body, etag: `"${digest}"` }, encoded: {} };
}

export interface ConsoleRequest {
  method: string;
  /** The request's path, without its query string. */
  path: string;
  /** `accept-encoding`, when sent. */
  acceptEncoding?: string | undefined;
  /** `if-none-match`, when sent. */
  ifNoneMatch?: string | undefined;
}

export interface ConsoleAnswer {
  status: number;
  headers: Record<string, string>;
  /** Absent for HEAD and 304. */
  body?: Buffer;
}

/** Whether a request is the console's to answer: GET or HEAD of `/` or `/assets/<one segment>`. */
export function isConsoleRequest(method: string, path: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (path === '/') return true;
  return path.startsWith('/assets/') && path.length > '/assets/'.length && !path.includes('/', 8);
}

/**
 * The answer to a console request, or undefined when the build has no such file (the caller answers
 * 404, or passes the request on). Without a build, `/` answers 503 with the command that makes one.
 */
export function answerConsole(
  build: ConsoleBuild | undefined,
  request: ConsoleRequest,
): ConsoleAnswer | undefined {
  if (!isConsoleRequest(request.method, request.path)) return undefined;
  const head = request.method === 'HEAD';
  if (!build) {
    if (request.path !== '/') return undefined;
    const body = Buffer.from(notBuiltMessage);
    return {
      status: 503,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': String(body.length),
        'cache-control': 'no-store',
        ...consoleSecurityHeaders,
      },
      ...(head ? {} : { body }),
    };
  }
  const file = build.get(request.path);
  if (!file) return undefined;
  const encoding = chooseEncoding(file, request.acceptEncoding);
  const chosen = encoding ? file.encoded[encoding]! : file.identity;
  const headers: Record<string, string> = {
    'cache-control': file.immutable ? immutableCache : 'no-cache',
    etag: chosen.etag,
    ...(Object.keys(file.encoded).length > 0 ? { vary: 'accept-encoding' } : {}),
    ...consoleSecurityHeaders,
  };
  if (matches(request.ifNoneMatch, chosen.etag)) return { status: 304, headers };
  return {
    status: 200,
    headers: {
      'content-type': file.type,
      'content-length': String(chosen.body.length),
      ...(encoding ? { 'content-encoding': encoding } : {}),
      ...headers,
    },
    ...(head ? {} : { body: chosen.body }),
  };
}

/** The most preferred encoding the build holds the file in and the request accepts (q > 0). */
function chooseEncoding(file: ConsoleFile, acceptEncoding: string | undefined): Encoding | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';');
    if (!token) continue;
    const q = params.map((param) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(param)).find(Boolean);
    accepted.set(token, q ? Number(q[1]) : 1);
  }
  for (const { name } of encodings) {
    if (!file.encoded[name]) continue;
    const q = accepted.get(name) ?? accepted.get('*') ?? 0;
    if (q > 0) return name;
  }
  return undefined;
}

/** `If-None-Match` against an ETag: a list, weak or strong (a GET compares weakly), or `*`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
