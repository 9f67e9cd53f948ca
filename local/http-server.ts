/**
 * Local mode's HTTP requests: routed with find-my-way from the same route table API Gateway is built
 * from, each turned into an API Gateway v2 event for the very same Lambda handler.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { type ApiEvent, type ApiHandler, maxBodyBytes } from '../functions/http/api-handler.ts';
import { type Route, routeKey } from '../functions/http/route.ts';
import { serveApiReference } from './api-reference.ts';
import { createConsoleAssets } from './console-assets.ts';
import { sendError } from './send-error.ts';

export function createRequestListener(routes: Route[], handler: ApiHandler): RequestListener {
  const router = FindMyWay({
    ignoreTrailingSlash: true,
    // A 128-character secret name with each `/` encoded (`%2F`, or `%252F` as API Gateway needs) fits.
    maxParamLength: 1024,
    // What no route matches goes to the handler as API Gateway's `$default` route: a 405 or a 404.
    defaultRoute: (req, res) => {
      void dispatch(defaultRouteKey, req, res, {}, handler);
    },
  });
  for (const route of routes) {
    const path = route.path.replace(/\{(\w+)\}/g, ':$1');
    router.on(route.method as HTTPMethod, path, (req, res, params) => {
      void dispatch(routeKey(route), req, res, params as Record<string, string | undefined>, handler);
    });
  }
  const serveConsole = createConsoleAssets();
  return (req, res) => serveConsole(req, res) || serveApiReference(req, res) || router.lookup(req, res);
}

/** API Gateway's catch-all route key. */
const defaultRouteKey = '$default';

async function dispatch(
  key: string,
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string | undefined>,
  handler: ApiHandler,
): Promise<void> {
  let body: string | undefined;
  try {
    body = await readBody(req);
  } catch {
    sendError(res, 413, 'payload_too_large', `the request body is larger than ${maxBodyBytes} bytes`);
    return;
  }
  try {
    const result = await handler(toEvent(key, req, params, body));
    const headers = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]),
    );
    res.writeHead(result.statusCode ?? 200, headers);
    res.end(
      result.body === undefined
        ? undefined
        : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
    );
  } catch {
    sendError(res, 500, 'internal_error', 'internal error');
  }
}

function toEvent(
  key: string,
  req: IncomingMessage,
  params: Record<string, string | undefined>,
  body: string | undefined,
): ApiEvent {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const pathParameters = Object.fromEntries(
    Object.entries(params).filter(([, value]) => value !== undefined),
  ) as Record<string, string>;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: key,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: key,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      authorizer: undefined as never,
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        req.pause();
        reject(new Error('too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size === 0 ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
