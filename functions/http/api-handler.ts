/**
 * The Lambda entry shared by every API function: finds the route by API Gateway's routeKey,
 * authenticates, checks the scope, validates the input, honours Idempotency-Key, calls the route's
 * handler, and maps errors to HTTP in one place. The local server calls this very function.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { auditEvent } from '../../shared/audit/audit-event.ts';
import type { RequestContext } from '../../shared/auth/principal.ts';
import {
  ConflictError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  SecretmError,
  ValidationError,
} from '../../shared/errors.ts';
import type { StoredResponse } from '../../shared/store/store-types.ts';
import { inRequest, wasAudited } from '../../shared/tenancy/request-scope.ts';
import { parseInput } from '../../shared/validation/parse.ts';
import type { Deployment, TenantBase, TenantDependencies } from '../services/tenant-context.ts';
import { errorResponse, loggableError } from './error-response.ts';
import { parseIdempotencyKey, parseIfMatch } from './request-headers.ts';
import { type ApiResponse, type Route, routeKey } from './route.ts';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;
export type ApiHandler = (event: ApiEvent) => Promise<ApiResult>;
/** A route of any family (its handler is not called through this type). */
type AnyRoute = Route<unknown, unknown, unknown, never>;

/** Largest request body accepted (a 64 KiB value, base64 and JSON escaping included). */
export const maxBodyBytes = 256 * 1024;
const idempotencyTtlSeconds = 24 * 60 * 60;

export function createApiHandler<S>(
  routes: Route<unknown, unknown, unknown, TenantDependencies<S>>[],
  dependencies: () => Promise<Pick<Deployment<S>, 'authenticate' | 'forTenant' | 'storeReadiness'>>,
): ApiHandler {
  const byKey = new Map(routes.map((route) => [routeKey(route), route]));
  const paths = routes.map((route) => ({ method: route.method, pattern: pathPattern(route.path) }));
  /** A request no route matched (local mode's fallback, API Gateway's `$default`): 405 or 404. */
  const unmatched = (method: string, path: string) => {
    const allow = [
      ...new Set(paths.filter((route) => route.pattern.test(path)).map((route) => route.method)),
    ];
    if (allow.length > 0) {
      return new MethodNotAllowedError(
        `${method} is not a method of ${path}; use ${allow.sort().join(', ')}`,
        allow.sort(),
      );
    }
    return new NotFoundError(`no route ${method} ${path}`);
  };

  return async function handle(event) {
    const requestId = event.requestContext.requestId;
    const sourceIp = event.requestContext.http.sourceIp;
    let route: Route<unknown, unknown, unknown, TenantDependencies<S>> | undefined;
    let ctx: RequestContext | undefined;
    let deps: TenantDependencies<S> | undefined;
    try {
      route = byKey.get(event.routeKey);
      if (!route) throw unmatched(event.requestContext.http.method, event.rawPath);
      const headers = lowerCaseHeaders(event.headers);
      if (route.scope) {
        const root = await dependencies();
        const principal = await root.authenticate({
          ...(headers.authorization ? { authorization: headers.authorization } : {}),
          ...(event.requestContext.authorizer?.jwt
            ? {
                jwtClaims: event.requestContext.authorizer.jwt.claims,
                jwtScopes: event.requestContext.authorizer.jwt.scopes ?? [],
              }
            : {}),
        });
        const userAgent = event.requestContext.http.userAgent;
        ctx = { principal, requestId, sourceIp, ...(userAgent ? { userAgent } : {}) };
        // From here on the request runs on its tenant's access to the table and the vaults.
        deps = await root.forTenant(principal.tenant);
        if (route.scope !== 'any' && !principal.scopes.has(route.scope))
          throw new ForbiddenError(`this action needs the ${route.scope} scope`);
      }
      const rawBody = readBody(event);
      const input = {
        params: route.params ? parseInput(route.params, pathParameters(event), 'path') : undefined,
        query: route.query ? parseInput(route.query, event.queryStringParameters ?? {}, 'query') : undefined,
        body: route.body ? parseInput(route.body, parseJson(rawBody), 'body') : undefined,
        headers,
        ctx: ctx as RequestContext,
        storeReadiness: async () => (await dependencies()).storeReadiness(),
      };
      const expectedVersion = parseIfMatch(headers['if-match']);
      const idempotencyKey = route.idempotent ? parseIdempotencyKey(headers['idempotency-key']) : undefined;
      const served = route;
      const call = () =>
        served.handler(
          {
            ...input,
            ...(expectedVersion !== undefined ? { expectedVersion } : {}),
            ...(idempotencyKey ? { idempotencyKey } : {}),
          },
          // Public routes (health, the OpenAPI document) use no dependencies.
          deps as TenantDependencies<S>,
        );
      if (!ctx || !deps) return toResult(await call(), requestId);
      const scoped = { ctx, deps };
      return await inRequest(ctx, async () => {
        const result = idempotencyKey
          ? await idempotent(
              scoped.deps,
              scoped.ctx,
              idempotencyKey,
              fingerprint(served, event, rawBody),
              async () => toResult(await call(), requestId),
            )
          : toResult(await call(), requestId);
        // Every request is audited: what the domain did not record, the handler does, before answering.
        if (!wasAudited() && served.auditAction) {
          await scoped.deps.audit.record(
            auditEvent(scoped.ctx, served.auditAction, auditTarget(served, event), scoped.deps.clock.now()),
          );
        }
        return result;
      });
    } catch (error) {
      if (ctx && deps && route?.auditAction) await auditFailure(deps, ctx, route, event, error);
      if (!(error instanceof SecretmError)) {
        console.error(
          JSON.stringify({ level: 'error', requestId, route: event.routeKey, error: loggableError(error) }),
        );
      }
      const { statusCode, body, headers } = errorResponse(error, requestId);
      return {
        statusCode,
        headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers },
        body: JSON.stringify(body),
      };
    } finally {
      // The vault calls this request made, written before the instance can be frozen (never throws).
      if (deps) await deps.usage.flush();
    }
  };
}

async function idempotent(
  deps: TenantBase,
  ctx: RequestContext,
  key: string,
  print: string,
  run: () => Promise<ApiResult>,
): Promise<ApiResult> {
  const tenant = ctx.principal.tenant;
  const claim = await deps.idempotency.claim(tenant, key, {
    fingerprint: print,
    now: deps.clock.now(),
    ttlSeconds: idempotencyTtlSeconds,
  });
  if (claim.state === 'completed') {
    const { statusCode, headers, body } = claim.response;
    return {
      statusCode,
      headers: { ...headers, 'x-request-id': ctx.requestId, 'idempotent-replayed': 'true' },
      body,
    };
  }
  if (claim.state === 'in-progress') {
    throw new ConflictError('a request with this Idempotency-Key is still in progress; retry shortly');
  }
  let result: ApiResult;
  try {
    result = await run();
  } catch (error) {
    await deps.idempotency.release(tenant, key).catch(() => undefined);
    throw error;
  }
  const stored: StoredResponse = {
    statusCode: result.statusCode ?? 200,
    headers: Object.fromEntries(
      Object.entries(result.headers ?? {})
        .filter(([name]) => name !== 'x-request-id')
        .map(([name, value]) => [name, String(value)]),
    ),
    body: result.body ?? '',
  };
  await deps.idempotency.complete(tenant, key, stored);
  return result;
}

/** What makes two requests "the same" for an idempotency key: the route, its path and its body. */
function fingerprint(route: AnyRoute, event: ApiEvent, rawBody: string | undefined): string {
  return createHash('sha256')
    .update(`${routeKey(route)}\n${event.rawPath}\n${rawBody ?? ''}`)
    .digest('hex');
}

/** What a route's request is about, for its audit event: `secret:<name>`, `connection:<id>`, or its family. */
function auditTarget(route: AnyRoute, event: ApiEvent): string {
  let params: Record<string, string | undefined>;
  try {
    params = pathParameters(event);
  } catch {
    params = event.pathParameters ?? {};
  }
  const name = params.name ?? params.id ?? params.service;
  return name
    ? `${route.family === 'secrets' ? 'secret' : route.family.replace(/s$/, '')}:${name}`
    : route.family;
}

async function auditFailure(
  deps: TenantBase,
  ctx: RequestContext,
  route: AnyRoute,
  event: ApiEvent,
  error: unknown,
) {
  const target = auditTarget(route, event);
  const reason = error instanceof SecretmError ? error.code : 'internal_error';
  try {
    await deps.audit.record(auditEvent(ctx, route.auditAction!, target, deps.clock.now(), { reason }));
  } catch {
    console.error(
      JSON.stringify({
        level: 'error',
        requestId: ctx.requestId,
        message: 'audit of a failed request was not written',
      }),
    );
  }
}

function lowerCaseHeaders(headers: ApiEvent['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (value !== undefined) result[name.toLowerCase()] = value;
  return result;
}

function readBody(event: ApiEvent): string | undefined {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text, 'utf8') > maxBodyBytes) {
    throw new PayloadTooLargeError(`the request body is larger than ${maxBodyBytes} bytes`);
  }
  return text;
}

function parseJson(raw: string | undefined): unknown {
  if (raw === undefined) throw new ValidationError('this request needs a JSON body');
  try {
    return JSON.parse(raw);
  } catch {
    throw new ValidationError('the body is not valid JSON');
  }
}

function toResult(response: ApiResponse, requestId: string): ApiResult {
  const headers: Record<string, string> = { 'x-request-id': requestId, ...response.headers };
  if (response.bytes) {
    return {
      statusCode: response.statusCode,
      headers: { 'content-type': 'application/octet-stream', ...headers },
      body: Buffer.from(response.bytes).toString('base64'),
      isBase64Encoded: true,
    };
  }
  if (response.text !== undefined) {
    return {
      statusCode: response.statusCode,
      headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
      body: response.text,
    };
  }
  if (response.json === undefined) return { statusCode: response.statusCode, headers };
  return {
    statusCode: response.statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(response.json),
  };
}

/** A route path (`/v1/secrets/{name}/value`) as a regular expression over request paths. */
function pathPattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => (/^\{\w+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

/**
 * Path parameters, each decoded once more when it still holds an escape: API Gateway decodes the path
 * once before it routes, so a `/` inside a parameter reaches the function as `%2F` (sent as `%252F`),
 * and local mode's router hands over what it decoded. No parameter may contain `%` itself (names, ids
 * and services do not), so the second decoding cannot change a legitimate value.
 */
function pathParameters(event: ApiEvent): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
    if (value === undefined) continue;
    try {
      decoded[name] = value.includes('%') ? decodeURIComponent(value) : value;
    } catch {
      throw new ValidationError(`path.${name}: not a valid percent-encoding`, {
        details: [{ path: `path.${name}`, message: 'not a valid percent-encoding' }],
      });
    }
  }
  return decoded;
}
