/**
 * Local mode's API reference at `/docs`: Swagger UI (the `swagger-ui-dist` package, served from
 * node_modules, nothing from a CDN) rendering the API's own `/v1/openapi.json`. The page, its start
 * script and the renderer's files are static, so a strict Content-Security-Policy holds: scripts,
 * styles and requests from this origin only, no inline script or style, no framing.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const apiReferencePath = '/docs';

export const apiReferenceCsp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>secretm API reference</title>
    <link rel="stylesheet" href="${apiReferencePath}/swagger-ui.css">
  </head>
  <body>
    <main id="api-reference"></main>
    <script src="${apiReferencePath}/swagger-ui-bundle.js"></script>
    <script src="${apiReferencePath}/start.js"></script>
  </body>
</html>
`;

/** Renders the document this server serves; no validator badge (it would call out to a public service). */
const startScript = `SwaggerUIBundle({
  url: '/v1/openapi.json',
  dom_id: '#api-reference',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

/** The renderer's files that the page loads, by the name it loads them under. */
const rendererFiles: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

const rendererDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const cache = new Map<string, Buffer>();

async function rendererFile(name: string): Promise<Buffer> {
  let content = cache.get(name);
  if (!content) {
    content = await readFile(join(rendererDir, name));
    cache.set(name, content);
  }
  return content;
}

/**
 * Answers a request for the API reference and returns true, or returns false for any other path
 * (which the API's router then serves).
 */
export function serveApiReference(req: IncomingMessage, res: ServerResponse): boolean {
  // The API's requests pass on without their address being parsed.
  if (!(req.url ?? '/').includes(apiReferencePath)) return false;
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  if (path !== apiReferencePath && !path.startsWith(`${apiReferencePath}/`)) return false;
  const name = path === apiReferencePath ? '' : path.slice(apiReferencePath.length + 1);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, req, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
    return true;
  }
  if (name === '' || name === 'index.html') {
    send(res, req, 200, 'text/html; charset=utf-8', page);
  } else if (name === 'start.js') {
    send(res, req, 200, 'text/javascript; charset=utf-8', startScript);
  } else if (name in rendererFiles) {
    rendererFile(name).then(
      (content) =>
        send(res, req, 200, rendererFiles[name]!, content, { 'cache-control': 'public, max-age=3600' }),
      () => send(res, req, 500, 'text/plain; charset=utf-8', 'the API reference renderer is not installed\n'),
    );
  } else {
    send(res, req, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
  return true;
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'content-security-policy': apiReferenceCsp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-cache',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
