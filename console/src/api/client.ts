/**
 * The console's one way to the API: openapi-fetch over the types generated from the route table's
 * OpenAPI document (functions/http/openapi-types.ts, which the CLI imports too), same origin, the API key as a bearer token. A 401 signs out.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { operations, paths } from '../../../functions/http/openapi-types.ts';
import { session } from '../session.ts';

type Answer<Op extends keyof operations, Status extends number> = operations[Op]['responses'] extends {
  [S in Status]: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;

export type SecretMetadata = Answer<'getSecret', 200>;
export type SecretValue = Answer<'getSecretValue', 200>;
export type SecretVersion = Answer<'listSecretVersions', 200>['items'][number];
export type Connection = Answer<'getConnection', 200>;
export type ConnectionCheck = Answer<'testUnsavedConnection', 200>;
export type Me = Answer<'whoAmI', 200>;
export type ApiKey = Answer<'listApiKeys', 200>['items'][number];
export type CreatedApiKey = Answer<'createApiKey', 201>;
export type CreateSecretBody = operations['createSecret']['requestBody']['content']['application/json'];
export type CreateConnectionBody =
  operations['createConnection']['requestBody']['content']['application/json'];

/** An API answer that was not a success: its message, code and request id, as the API sent them. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly details: { path: string; message: string }[];

  constructor(
    message: string,
    status: number,
    code: string,
    requestId: string | undefined,
    details: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const key = session.key();
    if (key) request.headers.set('authorization', `Bearer ${key}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) session.signOut();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

interface ErrorBody {
  error?: {
    code?: string;
    message?: string;
    requestId?: string;
    details?: { path: string; message: string }[];
  };
}

/** The data of a success; anything else throws an ApiError with the API's message and request id. */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<{ data: T; response: Response }> {
  let answer: Awaited<typeof call>;
  try {
    answer = await call;
  } catch {
    throw new ApiError(
      'the API could not be reached; check the connection and try again',
      0,
      'network',
      undefined,
    );
  }
  const { data, error, response } = answer;
  if (response.ok) return { data: data as T, response };
  const body = (error ?? {}) as ErrorBody;
  throw new ApiError(
    body.error?.message ?? `the API answered ${response.status}`,
    response.status,
    body.error?.code ?? 'error',
    body.error?.requestId ?? response.headers.get('x-request-id') ?? undefined,
    body.error?.details ?? [],
  );
}

/** The version an ETag names (`"3"` → 3). */
export function versionOf(response: Response): number | undefined {
  const tag = response.headers.get('etag')?.replace(/^W\//, '').replaceAll('"', '');
  return tag ? Number(tag) : undefined;
}
