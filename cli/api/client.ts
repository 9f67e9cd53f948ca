/**
 * The one typed client of the `/v1` API that every command calls. Operations are named by their
 * operationId; their inputs and answers are the types generated from the route table
 * (openapi-types.ts), so the CLI has no second copy of the contract.
 *
 * Path parameters are encoded twice (`payments%252Fprod%252Fdb`): API Gateway decodes a path once
 * before it routes, local mode accepts both (docs/secrets-api.md, "Names are paths").
 */
import { CliError, exitCodeForStatus, exitCodes, hintForStatus } from '../lib/errors.ts';
import type { operations } from './openapi-types.ts';
import { operationRoutes } from './operations.ts';

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
  headers: Headers;
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
    const text = await response.text();
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
    return { body: await response.text(), status: response.status, ...replyFacts(response) };
  }

  /** Calls an operation whose answer is bytes (a file secret's raw content). */
  async bytes<K extends OperationId>(
    operation: K,
    ...[input]: OptionalIfEmpty<Input<K>>
  ): Promise<Reply<Uint8Array>> {
    const response = await this.send(operation, (input ?? {}) as Input<K>);
    return {
      body: new Uint8Array(await response.arrayBuffer()),
      status: response.status,
      ...replyFacts(response),
    };
  }

  private send<K extends OperationId>(operation: K, input: Input<K>): Promise<Response> {
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
  ): Promise<Response> {
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
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
    } catch (error) {
      throw unreachable(this.options.endpoint, error);
    }
    if (response.ok) return response;
    throw await apiError(response);
  }
}

type OptionalIfEmpty<T> = Nothing extends Omit<T, 'ifMatch' | 'idempotencyKey'> ? [input?: T] : [input: T];

function replyFacts(response: Response) {
  const etag = /^"(\d+)"$/.exec(response.headers.get('etag') ?? '');
  const requestId = response.headers.get('x-request-id');
  return {
    headers: response.headers,
    ...(etag ? { version: Number(etag[1]) } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

function unreachable(endpoint: string, error: unknown): CliError {
  const { cause } = error as { cause?: { code?: string; message?: string } };
  const reason = cause?.code ?? cause?.message ?? (error as Error).name;
  const local = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(endpoint);
  return new CliError(
    `could not reach ${endpoint} (${reason === 'TimeoutError' ? 'no answer in time' : reason})`,
    exitCodes.unavailable,
    local
      ? 'is secretm running? `npm start` serves it on http://127.0.0.1:8765'
      : 'check the endpoint (`secretm whoami`) and the network',
  );
}

async function apiError(response: Response): Promise<CliError> {
  const text = await response.text().catch(() => '');
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
  const requestId = parsed.error?.requestId ?? response.headers.get('x-request-id') ?? undefined;
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
