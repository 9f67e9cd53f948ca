/**
 * A route: method, path, required scope, the Lambda function family that serves it, its schemas and
 * its handler. functions/routes.ts lists every route once; API Gateway (CDK), the Lambda dispatcher,
 * the local server and the OpenAPI document are all built from that one list.
 */
import type * as z from 'zod';
import type { RequestContext, Scope } from '../../shared/auth/principal.ts';
import type { StoreReadiness } from '../../shared/store/store-readiness.ts';
import type { ApiDependencies } from '../services/tenant-context.ts';

/** What a route needs of its caller: one scope, or only to be signed in. */
export type RouteScope = Scope | 'any';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The Lambda function that serves a route; one function per resource family. */
export type RouteFamily = 'secrets' | 'connections' | 'bindings' | 'api-keys' | 'costs' | 'audit' | 'system';

export interface ApiResponse {
  statusCode: number;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as text/plain (or the content-type in headers). */
  text?: string;
  /** Sent as bytes (application/octet-stream unless headers say otherwise). */
  bytes?: Uint8Array;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  headers: Record<string, string>;
  /** Present on every route that requires a scope. */
  ctx: RequestContext;
  /** Parsed `If-Match`, when sent. */
  expectedVersion?: number;
  /** `Idempotency-Key`, when sent on a route that honours it. */
  idempotencyKey?: string;
  /** Whether the deployment's store can serve (the readiness probe); builds the dependencies on first use. */
  storeReadiness(): Promise<StoreReadiness>;
}

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

/**
 * A route whose handler gets `D`: one tenant's base and the services of the route's family
 * (functions/services/tenant-context.ts). Routes of every family fit `Route` (all the services).
 */
export interface Route<P = unknown, Q = unknown, B = unknown, D = ApiDependencies> {
  method: HttpMethod;
  /** API Gateway path syntax: `/v1/secrets/{name}`. */
  path: string;
  /** null: public (health, OpenAPI); `any`: any authenticated caller, no scope needed (`/v1/me`). */
  scope: RouteScope | null;
  family: RouteFamily;
  operationId: string;
  summary: string;
  /** The audit action of a failed attempt (successes are audited by the domain). */
  auditAction?: string;
  /** Honours `Idempotency-Key`: a retry gets the first answer and changes nothing twice. */
  idempotent?: boolean;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  responses: Record<number, ResponseDoc>;
  /** A property, not a method: its `deps` are checked contravariantly, so a family gets what its routes use. */
  handler: (input: RouteInput<P, Q, B>, deps: D) => Promise<ApiResponse>;
}

/**
 * The route declarer of a family whose handlers get `D`: each route's input types are inferred from its
 * schemas, and a handler that uses a service its family does not build does not compile.
 */
export function routesOf<D>() {
  return <P = undefined, Q = undefined, B = undefined>(definition: Route<P, Q, B, D>) =>
    definition as unknown as Route<unknown, unknown, unknown, D>;
}

export function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

export const json = (statusCode: number, body: unknown, headers?: Record<string, string>): ApiResponse => ({
  statusCode,
  json: body,
  ...(headers ? { headers } : {}),
});
