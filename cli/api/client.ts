/**
 * The one typed client of the `/v1` API that every command calls. Operations are named by their
 * operationId; their inputs and answers are the types generated from the route table
 * (functions/http/openapi-types.ts, which the console imports too), so no client has a copy of its own.
 *
 * Path parameters are encoded twice (`payments%252Fprod%252Fdb`): API Gateway decodes a path once
 * before it routes, local mode accepts both (docs/secrets-api.md, "Names are paths").
 */

import type { operations } from '../../functions/http/openapi-types.ts';
import { CliError, exitCodeForStatus, exitCodes, hintForStatus } from '../lib/errors.ts';
import { operationRoutes } from './operations.ts';
import { exchange, type HttpAnswer } from './transport.ts';

/** An object with no members: what an operation without path, query or body adds to its input. */
type Nothing = Record<never, never>;

export type OperationId = keyof typeof operationRoutes & keyof operations;
type Operation<K extends OperationId> = operations[K];
type Parameters<K extends OperationId> = Operation<K>['parameters'];

type PathInput<K extends OperationId> =
  Parameters<K> extends { path: infer P extends object } ? { params: P } : Nothing;
type QueryInput<K extends OperationId> =
  Parameters<K> extends { query?: infer Q } ? ([Q] extends [undefined] ? Nothing : { query?: Q }) : Nothing;
type BodyInput<K extends OperationId> =
  Operation<K> extends {
    requestBody: { content: { 'application/json': infer B } };
  }
    ? { body: B }
    : Nothing;

/** What a call takes: its path parameters, query and body as the API declares them, and write headers. */
export type Input<K extends OperationId> = PathInput<K> &
  QueryInput<K> &
  BodyInput<K> & {
    /** Sent as `If-Match: "N"`: the write is refused (412) unless the secret is at that version. */
    ifMatch?: number;
    idempotencyKey?: string;
  };

type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : undefined;
/** The answer of an operation's success status. */
export type Answer<K extends OperationId> = Operation<K>['responses'] extends infer R
  ? R extends { 200: infer S }
    ? JsonOf<S>
    : R extends { 201: infer S }
      ? JsonOf<S>
      : undefined
  : never;

export interface Reply<T> {
  body: T;
  status: number;
  /** The version an `ETag: "N"` names. */
  version?: number;
  requestId?: string;
}

export interface ApiClientOptions {
  endpoint: string;
  key: string;
  userAgent: string;
  timeoutMs?: number;
}

type Query = Record<string, string | number | boolean | undefined>;

export class ApiClient {
  private readonly options: ApiClientOptions;

  constructor(options: ApiClientOptions) {
    this.options = options;
  }

  get endpoint(): string {
    return this.options.endpoint;
  }

  /** Calls an operation and parses its JSON answer. */
  async call<K extends OperationId>(
    operation: K,
    ...[input]: OptionalIfEmpty<Input<K>>
  ): Promise<Reply<Answer<K>>> {
    const response = await this.send(operation, (input ?? {}) as Input<K>);
    const text = response.body.toString('utf8');
    return {
      body: (text ? JSON.parse(text) : undefined) as Answer<K>,
      status: response.status,
      ...replyFacts(response),
    };
  }

  /** Calls an operation whose answer is text (dotenv, CSV). */
  async text<K extends OperationId>(
    operation: K,
    ...[input]: OptionalIfEmpty<Input<K>>
  ): Promise<Reply<string>> {
    const response = await this.send(operation, (input ?? {}) as Input<K>);
    return { body: response.body.toString('utf8'), status: response.status, ...replyFacts(response) };
  }

  /** Calls an operation whose answer is bytes (a file secret's raw content). */
  async bytes<K extends OperationId>(
    operation: K,
    ...[input]: OptionalIfEmpty<Input<K>>
  ): Promise<Reply<Uint8Array>> {
    const response = await this.send(operation, (input ?? {}) as Input<K>);
    return {
      body: new Uint8Array(response.body),
      status: response.status,
      ...replyFacts(response),
    };
  }

  private send<K extends OperationId>(operation: K, input: Input<K>): Promise<HttpAnswer> {
    const route = operationRoutes[operation];
    const loose = input as { params?: Record<string, string>; query?: Query; body?: unknown };
    const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = loose.params?.[name];
      if (value === undefined) throw new Error(`${operation}: missing path parameter ${name}`);
      return encodeURIComponent(encodeURIComponent(value));
    });
    const headers: Record<string, string> = {};
    if (input.ifMatch !== undefined) headers['if-match'] = `"${input.ifMatch}"`;
    if (input.idempotencyKey) headers['idempotency-key'] = input.idempotencyKey;
    return this.request(route.method, path, loose.query ?? {}, loose.body, headers);
  }

  private async request(
    method: string,
    path: string,
    query: Query,
    body: unknown,
    extraHeaders: Record<string, string>,
  ): Promise<HttpAnswer> {
    const url = new URL(`${this.options.endpoint}${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.key}`,
      'user-agent': this.options.userAgent,
      ...extraHeaders,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: HttpAnswer;
    try {
      response = await exchange(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        timeoutMs: this.options.timeoutMs ?? 60_000,
      });
    } catch (error) {
      throw unreachable(this.options.endpoint, error);
    }
    if (response.status >= 200 && response.status < 300) return response;
    throw apiError(response);
  }
}

type OptionalIfEmpty<T> = Nothing extends Omit<T, 'ifMatch' | 'idempotencyKey'> ? [input?: T] : [input: T];

function replyFacts(response: HttpAnswer) {
  const etag = /^"(\d+)"$/.exec(response.header('etag') ?? '');
  const requestId = response.header('x-request-id');
  return {
    ...(etag ? { version: Number(etag[1]) } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

function unreachable(endpoint: string, error: unknown): CliError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  const local = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(endpoint);
  return new CliError(
    `could not reach ${endpoint} (${reason === 'TimeoutError' ? 'no answer in time' : reason})`,
    exitCodes.unavailable,
    local
      ? 'is secretm running? `npm start` serves it on http://127.0.0.1:8765'
      : 'check the endpoint (`secretm whoami`) and the network',
  );
}

function apiError(response: HttpAnswer): CliError {
  const text = response.body.toString('utf8');
  let parsed: {
    error?: {
      code?: string;
      message?: string;
      requestId?: string;
      details?: { path: string; message: string }[];
    };
  } = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not secretm's error body (a proxy, a gateway): the status says what it can.
  }
  const code = parsed.error?.code ?? `http_${response.status}`;
  const requestId = parsed.error?.requestId ?? response.header('x-request-id') ?? undefined;
  const details = parsed.error?.details?.map((detail) => `${detail.path}: ${detail.message}`) ?? [];
  const message = [parsed.error?.message ?? `${response.status} ${response.statusText}`.trim(), ...details]
    .filter((part, i, all) => all.indexOf(part) === i)
    .join('; ');
  return new CliError(message, exitCodeForStatus(response.status), hintForStatus(response.status, code), {
    status: response.status,
    code,
    ...(requestId ? { requestId } : {}),
  });
}
