/**
 * The HTTP side of the `hashicorp-vault` adapter: one client per connection, on Node's own http/https
 * (not node-vault: its axios client follows redirects, reads VAULT_ADDR/VAULT_TOKEN/VAULT_SKIP_VERIFY
 * from the environment, and logs request bodies under DEBUG=node-vault).
 *
 * - Its own agent, built from the connection's NetworkOptions: the pinned `lookup`, a private CA
 *   trusted for this client only (added to Node's roots), keep-alive, and a bound on every call.
 * - No redirects: a 3xx (a standby node pointing at the active one) is an error that says so.
 * - Auth: a static token, or AppRole (`auth/approle/login`). The AppRole token is cached and renewed
 *   (`auth/token/renew-self`) once half its TTL has passed; when renewal fails or the token is about
 *   to expire, the client logs in again. Renewal happens on the next call, never on a timer, so an idle
 *   Lambda sandbox keeps nothing running. A call refused with 403 logs in once more and retries (the
 *   token may have been revoked); a second refusal is the caller's ForbiddenError.
 * - `X-Vault-Namespace` on every call when the connection names a namespace.
 * - Vault's answers map to the typed errors of shared/errors.ts by status code; messages never carry a
 *   token or a value.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  ProviderUnavailableError,
  type SecretmError,
  TooManyRequestsError,
  UnauthorizedError,
  ValidationError,
} from '../errors.ts';
import { defaultVaultTimeoutMs, type NetworkOptions } from './provider.ts';

export type HashicorpVaultCredentials = { roleId: string; secretId: string } | { token: string };

export interface VaultClientOptions {
  /** The vault's address, e.g. https://vault.example.com:8200 (a path prefix is kept). */
  url: string;
  namespace?: string;
  caCert?: string;
  credentials: HashicorpVaultCredentials;
  network?: NetworkOptions;
}

export interface VaultResponse {
  status: number;
  /** The parsed JSON body; undefined for 204 and empty bodies. */
  body: unknown;
}

export interface VaultRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Under /v1/, segments already encoded, e.g. `kv/data/secretm/t/a`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

/** What the login or lookup told of the token in use. */
export interface TokenInfo {
  /** Seconds the token lives from now; 0 when it never expires. */
  ttlSeconds: number;
  renewable: boolean;
  policies: string[];
}

export interface VaultClient {
  /**
   * An authenticated call. Answers any status below 300, and those in `accept` (404 unless told);
   * everything else is thrown as a typed error about `action`.
   */
  call(request: VaultRequest, action: string, accept?: readonly number[]): Promise<VaultResponse>;
  /** An authenticated call that answers every status, for callers that read error statuses themselves. */
  callRaw(request: VaultRequest): Promise<VaultResponse>;
  /** An unauthenticated call to the root namespace (sys/health lives only there). */
  callAnonymous(request: VaultRequest): Promise<VaultResponse>;
  /** Logs in (AppRole) or looks the token up, answering what the vault says of it. */
  authenticate(): Promise<TokenInfo>;
  readonly address: string;
}

const maxResponseBytes = 40 * 1024 * 1024;
/** Log in again this long before the token's end, at most a tenth of its TTL. */
const expiryMarginMs = 5_000;

interface Session {
  token: string;
  policies: string[];
  /** ms since the epoch; undefined when the token never expires. */
  expiresAt?: number;
  ttlMs: number;
  renewable: boolean;
  obtainedAt: number;
}

export function createVaultClient(options: VaultClientOptions): VaultClient {
  const base = parseVaultUrl(options.url);
  const network = options.network ?? {};
  const timeoutMs = network.timeoutMs ?? defaultVaultTimeoutMs;
  const caCert = network.caCert ?? options.caCert;
  const secure = base.protocol === 'https:';
  const agent = secure
    ? new HttpsAgent({
        keepAlive: true,
        maxSockets: 16,
        ...(caCert ? { ca: [...rootCertificates, caCert] } : {}),
        ...(network.lookup ? { lookup: network.lookup } : {}),
      })
    : new HttpAgent({
        keepAlive: true,
        maxSockets: 16,
        ...(network.lookup ? { lookup: network.lookup } : {}),
      });
  const address = base.origin;
  const credentials = options.credentials;
  const usesAppRole = 'roleId' in credentials;

  const send = (
    request: VaultRequest,
    token: string | undefined,
    inNamespace = true,
  ): Promise<VaultResponse> => {
    const url = new URL(`${base.pathname}v1/${request.path}`, base.origin);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body), 'utf8');
    const headers: Record<string, string> = { Accept: 'application/json', 'X-Vault-Request': 'true' };
    if (token) headers['X-Vault-Token'] = token;
    if (options.namespace && inNamespace) headers['X-Vault-Namespace'] = options.namespace;
    if (body) {
      headers['Content-Type'] =
        request.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
      headers['Content-Length'] = String(body.byteLength);
    }
    return new Promise<VaultResponse>((resolve, reject) => {
      const transport = secure ? httpsRequest : httpRequest;
      const req = transport(url, {
        method: request.method,
        headers,
        agent,
        ...(network.lookup ? { lookup: network.lookup } : {}),
      });
      const timer = setTimeout(() => {
        req.destroy(
          new ProviderUnavailableError(
            `the vault at ${address} did not answer within ${timeoutMs} ms: check that it is running and reachable from secretm`,
          ),
        );
      }, timeoutMs);
      const fail = (error: unknown) => {
        clearTimeout(timer);
        reject(
          // A refusal by the connection's SSRF guard (in the lookup) is the caller's to fix: say why.
          error instanceof ProviderUnavailableError || error instanceof ValidationError
            ? error
            : new ProviderUnavailableError(
                `could not reach the vault at ${address} (${describeNetworkError(error)}): check the URL, that the vault is running, and its certificate`,
                { cause: error },
              ),
        );
      };
      req.once('error', fail);
      req.once('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.byteLength;
          if (size > maxResponseBytes) {
            req.destroy(
              new ProviderUnavailableError(
                `the vault at ${address} answered more than ${maxResponseBytes} bytes`,
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.once('error', fail);
        res.once('end', () => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 300 && status < 400) {
            reject(
              new ProviderUnavailableError(
                `the vault at ${address} answered with a redirect (${status}${res.headers.location ? ` to ${new URL(res.headers.location, url).origin}` : ''}); secretm follows no redirects: point the connection at the vault's active node`,
              ),
            );
            return;
          }
          let parsed: unknown;
          if (text.length > 0) {
            try {
              parsed = JSON.parse(text);
            } catch (error) {
              if (status < 400) {
                reject(
                  new ProviderUnavailableError(
                    `the server at ${address} did not answer JSON: check that the URL points at a Vault or OpenBao server`,
                    { cause: error },
                  ),
                );
                return;
              }
            }
          }
          resolve({ status, body: parsed });
        });
      });
      req.end(body);
    });
  };

  // --- auth --------------------------------------------------------------------------------------

  let session: Session | undefined;
  let pending: Promise<Session> | undefined;

  const login = async (): Promise<Session> => {
    if (!('roleId' in credentials)) throw new Error('login needs AppRole credentials');
    const response = await send(
      {
        method: 'POST',
        path: 'auth/approle/login',
        body: { role_id: credentials.roleId, secret_id: credentials.secretId },
      },
      undefined,
    );
    if (response.status >= 400) {
      if (response.status === 400 || response.status === 401 || response.status === 403) {
        throw new UnauthorizedError(
          `the vault refused the connection's credentials: AppRole login at ${address} failed (${vaultMessage(response.body) || response.status}); check the role_id and secret_id, that the secret_id has not expired or run out of uses, and that AppRole is enabled at auth/approle`,
        );
      }
      throw errorFor(response, 'log in with AppRole', address);
    }
    return sessionFrom(readAuth(response.body), Date.now());
  };

  const renew = async (current: Session): Promise<Session> => {
    const response = await send({ method: 'POST', path: 'auth/token/renew-self', body: {} }, current.token);
    if (response.status >= 300) return login();
    const auth = readAuth(response.body);
    // At its max TTL a token renews for less than it had: log in again when too little is left.
    if (auth.ttlSeconds > 0 && auth.ttlSeconds * 1000 < current.ttlMs / 4) return login();
    return sessionFrom({ ...auth, token: auth.token || current.token }, Date.now());
  };

  /** The token for the next call, logging in or renewing first when due. */
  const token = async (): Promise<string> => {
    if (!usesAppRole) return credentials.token;
    const now = Date.now();
    const current = session;
    if (current && !loginDue(current, now) && !renewalDue(current, now)) return current.token;
    if (!pending) {
      const next = !current || loginDue(current, now) ? login() : renew(current).catch(() => login());
      pending = next.then(
        (fresh) => {
          session = fresh;
          pending = undefined;
          return fresh;
        },
        (error: unknown) => {
          pending = undefined;
          throw error;
        },
      );
    }
    return (await pending).token;
  };

  const forgetSession = (stale: string) => {
    if (session?.token === stale) session = undefined;
  };

  const callRaw = async (request: VaultRequest): Promise<VaultResponse> => {
    const used = await token();
    const response = await send(request, used);
    if (response.status === 403 && usesAppRole) {
      // The token may have been revoked or expired early: one fresh login, one retry.
      forgetSession(used);
      return send(request, await token());
    }
    return response;
  };

  const call = async (
    request: VaultRequest,
    action: string,
    accept: readonly number[] = [404],
  ): Promise<VaultResponse> => {
    const response = await callRaw(request);
    if (response.status < 300 || accept.includes(response.status)) return response;
    if (response.status === 403 && !usesAppRole) {
      // A 403 means a bad token or a missing policy; lookup-self tells which.
      const lookup = await send({ method: 'GET', path: 'auth/token/lookup-self' }, credentials.token);
      if (lookup.status === 403 || lookup.status === 401) throw tokenRefused(address);
    }
    throw errorFor(response, action, address);
  };

  const authenticate = async (): Promise<TokenInfo> => {
    if (usesAppRole) {
      const fresh = await login();
      session = fresh;
      return {
        ttlSeconds: Math.round(fresh.ttlMs / 1000),
        renewable: fresh.renewable,
        policies: fresh.policies,
      };
    }
    const response = await send({ method: 'GET', path: 'auth/token/lookup-self' }, credentials.token);
    if (response.status === 401 || response.status === 403) throw tokenRefused(address);
    if (response.status >= 300) throw errorFor(response, 'look up the token', address);
    const data = objectField(response.body, 'data');
    return {
      ttlSeconds: numberField(data, 'ttl'),
      renewable: data?.renewable === true,
      policies: stringList(data?.policies),
    };
  };

  return {
    call,
    callRaw,
    callAnonymous: (request) => send(request, undefined, false),
    authenticate,
    address,
  };
}

function sessionFrom(
  auth: { token: string; ttlSeconds: number; renewable: boolean; policies: string[] },
  now: number,
): Session {
  const ttlMs = auth.ttlSeconds * 1000;
  return {
    token: auth.token,
    ...(ttlMs > 0 ? { expiresAt: now + ttlMs } : {}),
    ttlMs,
    renewable: auth.renewable,
    obtainedAt: now,
    policies: auth.policies,
  };
}

function loginDue(session: Session, now: number): boolean {
  if (session.expiresAt === undefined) return false;
  return now >= session.expiresAt - Math.min(expiryMarginMs, session.ttlMs / 10);
}

function renewalDue(session: Session, now: number): boolean {
  if (session.expiresAt === undefined) return false;
  if (!session.renewable) return false;
  return now >= session.obtainedAt + session.ttlMs / 2;
}

function readAuth(body: unknown): {
  token: string;
  ttlSeconds: number;
  renewable: boolean;
  policies: string[];
} {
  const auth = objectField(body, 'auth');
  const token = typeof auth?.client_token === 'string' ? auth.client_token : '';
  if (!auth || !token) {
    throw new ProviderUnavailableError(
      'the vault answered the login without a token: check it is a Vault or OpenBao server',
    );
  }
  return {
    token,
    ttlSeconds: numberField(auth, 'lease_duration'),
    renewable: auth.renewable === true,
    policies: stringList(auth.policies),
  };
}

function tokenRefused(address: string): UnauthorizedError {
  return new UnauthorizedError(
    `the vault refused the connection's credentials: the token is not valid at ${address} (expired, revoked, or from another vault or namespace); give the connection a current token`,
  );
}

/** The vault's own first error message, shortened; Vault's messages name paths, never values. */
export function vaultMessage(body: unknown): string {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return '';
  const first = errors.find((error): error is string => typeof error === 'string' && error.trim().length > 0);
  return first ? first.replace(/\s+/g, ' ').trim().slice(0, 300) : '';
}

/** Maps an error status of the vault to the typed error for `action` (e.g. `write "kv/secretm/t/a"`). */
export function errorFor(response: VaultResponse, action: string, address: string): SecretmError {
  const said = vaultMessage(response.body);
  const detail = said ? `: ${said}` : '';
  switch (response.status) {
    case 400:
    case 422:
      if (/too large/i.test(said)) return tooLarge(action);
      return new ValidationError(`the vault refused to ${action}${detail}`);
    case 401:
      return new UnauthorizedError(
        `the vault refused the connection's credentials to ${action}: check the connection's token or AppRole`,
      );
    case 403:
      return new ForbiddenError(
        `the vault refused the connection's credentials to ${action}: the token's policies do not allow it; grant the needed capabilities on that path to the connection's policy`,
      );
    case 404:
      return new NotFoundError(`nothing found to ${action}`);
    case 405:
      return new ValidationError(
        `the vault does not support the call made to ${action}${detail}: check the connection's mount and engine type`,
      );
    case 409:
      return new ConflictError(`the vault refused to ${action}${detail}`);
    case 413:
      return tooLarge(action);
    case 429:
      return new TooManyRequestsError(
        `the vault at ${address} is rate-limiting secretm (429) while trying to ${action}: retry later or raise its rate limit quota`,
      );
    case 501:
      return new ProviderUnavailableError(
        `the vault at ${address} is not initialized: initialize and unseal it`,
      );
    case 503:
      return new ProviderUnavailableError(
        `the vault at ${address} is unavailable (503${detail}): it may be sealed or in maintenance; unseal it or retry later`,
      );
    default:
      if (response.status >= 500) {
        return new ProviderUnavailableError(
          `the vault at ${address} failed to ${action} (${response.status}${detail}); retry later or check the vault's logs`,
        );
      }
      return new ProviderUnavailableError(
        `the vault at ${address} answered ${response.status} to ${action}${detail}`,
      );
  }
}

function tooLarge(action: string): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `the value is too large for the vault to ${action}: Vault refuses requests over its max_request_size (32 MiB by default) and storage entries over its backend's limit; store a smaller value`,
  );
}

function describeNetworkError(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') {
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve';
    if (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
      return `its TLS certificate is not trusted (${code}): give the connection the vault's CA certificate`;
    }
    return code;
  }
  return error instanceof Error ? error.message : 'network error';
}

function parseVaultUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new ValidationError(`the vault URL "${raw}" is not a URL: write it as https://host:8200`, {
      cause: error,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ValidationError(
      `the vault URL must start with https:// (or http:// for a local vault), not ${url.protocol}`,
    );
  }
  if (url.username || url.password) {
    throw new ValidationError(
      'the vault URL must not carry a user name or password: give credentials separately',
    );
  }
  if (url.search || url.hash) {
    throw new ValidationError('the vault URL must not carry a query or fragment');
  }
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  if (url.pathname.endsWith('/v1/')) url.pathname = url.pathname.slice(0, -'v1/'.length);
  return url;
}

// --- small readers of Vault's JSON ---------------------------------------------------------------

export function objectField(value: unknown, name: string): Record<string, unknown> | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const field = (value as Record<string, unknown>)[name];
  return field && typeof field === 'object' && !Array.isArray(field)
    ? (field as Record<string, unknown>)
    : undefined;
}

export function numberField(value: Record<string, unknown> | undefined, name: string): number {
  const field = value?.[name];
  return typeof field === 'number' && Number.isFinite(field) ? field : 0;
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
