/**
 * An Azure Key Vault for the tests, on HTTPS on 127.0.0.1: no Key Vault emulator can be installed
 * here, so this server follows the Key Vault REST API for secrets (Azure/azure-rest-api-specs,
 * specification/keyvault/data-plane/Security.KeyVault.Secrets) closely enough for the real
 * `@azure/keyvault-secrets` client, and so every path of the azure-key-vault adapter, to run against it:
 *
 * - challenge authentication: a request without a bearer token is answered 401 with the
 *   `WWW-Authenticate: Bearer authorization="…", resource="https://vault.azure.net"` challenge the
 *   client answers with a token; a token other than the one the server was given is refused (401);
 *   permissions can be narrowed (403 ForbiddenByPolicy);
 * - `api-version` required and checked (400 BadParameter when missing or unknown);
 * - set, get (current or by version), update, list, list versions, delete, get deleted, list deleted,
 *   recover and purge of secrets, with Key Vault's bodies: `SecretBundle`, `DeletedSecretBundle`,
 *   `SecretItem` pages with `nextLink` (absolute, with `$skiptoken`, at most `maxresults`, 1–25);
 * - soft-delete states and recovery levels (azure-key-vault-model.ts);
 * - errors as `{ error: { code, message, innererror? } }` with Key Vault's status codes.
 *
 * Backup and restore are not served (501). Tests give clients a static test token credential: nothing
 * here, or in the clients pointed at it, ever asks Entra ID.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import {
  type Attributes,
  allPermissions,
  createKeyVaultModel,
  type Deletion,
  KeyVaultFault,
  type KeyVaultModelOptions,
  type SecretPermission,
  type SecretVersion,
  type StoredSecret,
} from './azure-key-vault-model.ts';
import { selfSignedCertificate } from './test-certificate.ts';

export const keyVaultApiVersions = ['7.0', '7.1', '7.2', '7.3', '7.4', '7.5', '7.6'] as const;
/** The token the server accepts unless told otherwise; what the tests' static credential answers. */
export const keyVaultTestToken = 'secretm-test-token';
const maxPage = 25;

export interface KeyVaultServerOptions extends KeyVaultModelOptions {
  /** The one bearer token accepted. */
  token?: string;
  /** What the token may do; every secret permission by default. */
  permissions?: readonly SecretPermission[];
  /** DNS names the certificate is valid for, besides 127.0.0.1. */
  hostnames?: readonly string[];
  /**
   * A vault in trouble: every authenticated request answered with this status and error code, as Key
   * Vault answers when it throttles (429 `Throttled`, with Retry-After) or fails (500, 503).
   */
  outage?: { status: 429 | 500 | 503; code: string };
}

export interface KeyVaultServer {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  /** PEM of the server's self-signed certificate, to trust as the connection's CA. */
  caCert: string;
  /** Every request, in order: method, path, and whether it carried the accepted token. */
  requests: { method: string; path: string; authorized: boolean }[];
  /** Adds a secret that backs a certificate (managed by Key Vault), as creating a certificate does. */
  addCertificate(name: string, value: string): void;
  stop(): Promise<void>;
}

export async function startKeyVaultServer(options: KeyVaultServerOptions = {}): Promise<KeyVaultServer> {
  const token = options.token ?? keyVaultTestToken;
  const permissions = new Set(options.permissions ?? allPermissions);
  const model = createKeyVaultModel(options);
  const certificate = await selfSignedCertificate(options.hostnames ?? []);
  const requests: KeyVaultServer['requests'] = [];
  const tenantId = '00000000-0000-0000-0000-00000000cafe';

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'https://vault');
    const authorized = request.headers.authorization === `Bearer ${token}`;
    requests.push({ method: request.method ?? '', path: url.pathname, authorized });
    const body = await readBody(request);
    if (!authorized) {
      const missing = request.headers.authorization === undefined;
      response.setHeader(
        'WWW-Authenticate',
        `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`,
      );
      throw new KeyVaultFault(
        401,
        'Unauthorized',
        missing
          ? 'AKV10000: Request is missing a Bearer or PoP token.'
          : 'AKV10022: Invalid audience or token.',
      );
    }
    if (options.outage) {
      if (options.outage.status === 429) response.setHeader('Retry-After', '0');
      throw new KeyVaultFault(
        options.outage.status,
        options.outage.code,
        'The vault cannot serve the request now.',
      );
    }
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion)
      throw new KeyVaultFault(400, 'BadParameter', 'The api-version query parameter is missing.');
    if (!(keyVaultApiVersions as readonly string[]).includes(apiVersion)) {
      throw new KeyVaultFault(
        400,
        'BadParameter',
        `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (${keyVaultApiVersions.at(-1)}).`,
      );
    }
    const base = `https://${request.headers.host ?? '127.0.0.1'}`;
    const page = pager(url, base, apiVersion);
    const allow = (permission: SecretPermission) => {
      if (!permissions.has(permission)) {
        throw new KeyVaultFault(
          403,
          'Forbidden',
          `The user, group or application 'appid=secretm-test' does not have secrets ${permission} permission on key vault 'test'.`,
          'ForbiddenByPolicy',
        );
      }
    };
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const [collection, name, third, ...rest] = segments;
    const method = request.method ?? 'GET';
    const view = bundles(base, model.recoveryLevel, model.recoverableDays);

    if (collection === 'secrets' && rest.length === 0) {
      if (name === undefined || (name === '' && third === undefined)) {
        if (method !== 'GET') throw methodNotAllowed(method);
        allow('list');
        return send(response, 200, page(model.list(), view.item));
      }
      if (third === undefined && method === 'PUT') {
        allow('set');
        const input = parseSet(body);
        return send(response, 200, view.bundle(model.set(name, input), true));
      }
      if (third === undefined && method === 'DELETE') {
        allow('delete');
        const { secret, deletion } = model.delete(name);
        return send(response, 200, view.deleted(secret, deletion));
      }
      if (third === 'versions' && method === 'GET') {
        allow('list');
        const { secret, versions } = model.versions(name);
        return send(
          response,
          200,
          page(versions, (version) => view.versionItem(secret!, version)),
        );
      }
      if (third === 'backup' || name === 'restore') {
        throw new KeyVaultFault(
          501,
          'NotImplemented',
          'Backup and restore are not served by this test server.',
        );
      }
      if (method === 'GET') {
        allow('get');
        return send(response, 200, view.bundle(model.get(name, third ?? ''), true));
      }
      if (method === 'PATCH' && third !== undefined) {
        allow('set');
        return send(response, 200, view.bundle(model.update(name, third, parseUpdate(body)), false));
      }
      throw methodNotAllowed(method);
    }
    if (collection === 'deletedsecrets') {
      if (name === undefined || name === '') {
        if (method !== 'GET') throw methodNotAllowed(method);
        allow('list');
        return send(
          response,
          200,
          page(model.listDeleted(), (entry) => view.deletedItem(entry.secret, entry.deletion)),
        );
      }
      if (third === 'recover' && rest.length === 0 && method === 'POST') {
        allow('recover');
        const secret = model.recover(name);
        return send(response, 200, view.bundle({ secret, version: secret.versions.at(-1)! }, false));
      }
      if (third === undefined && method === 'GET') {
        allow('get');
        const { secret, deletion } = model.getDeleted(name);
        return send(response, 200, view.deleted(secret, deletion));
      }
      if (third === undefined && method === 'DELETE') {
        allow('purge');
        model.purge(name);
        return send(response, 204);
      }
      throw methodNotAllowed(method);
    }
    throw new KeyVaultFault(404, 'NotFound', `There is no ${url.pathname} in this key vault.`);
  };

  const server: Server = createServer(
    { key: certificate.key, cert: certificate.cert },
    (request, response) => {
      handle(request, response).catch((error: unknown) => {
        const fault =
          error instanceof KeyVaultFault
            ? error
            : new KeyVaultFault(500, 'InternalError', 'The test server failed.');
        send(response, fault.status, {
          error: {
            code: fault.code,
            message: fault.message,
            ...(fault.innerCode === undefined ? {} : { innererror: { code: fault.innerCode } }),
          },
        });
      });
    },
  );
  const sockets = new Set<Socket>();
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the Key Vault test server has no port');
  return {
    url: `https://127.0.0.1:${address.port}`,
    port: address.port,
    caCert: certificate.cert,
    requests,
    addCertificate: (name, value) => model.addCertificate(name, value),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Key Vault's JSON shapes for what the model holds. */
function bundles(base: string, recoveryLevel: string, recoverableDays: number) {
  const idOf = (secret: StoredSecret, version?: SecretVersion) =>
    `${base}/secrets/${secret.name}${version ? `/${version.id}` : ''}`;
  const attributes = (version: SecretVersion) => ({
    enabled: version.enabled,
    ...(version.nbf === undefined ? {} : { nbf: version.nbf }),
    ...(version.exp === undefined ? {} : { exp: version.exp }),
    created: version.created,
    updated: version.updated,
    recoveryLevel,
    ...(recoverableDays > 0 ? { recoverableDays } : {}),
  });
  const common = (secret: StoredSecret, version: SecretVersion, withVersion: boolean) => ({
    id: idOf(secret, withVersion ? version : undefined),
    attributes: attributes(version),
    ...(version.contentType === undefined ? {} : { contentType: version.contentType }),
    ...(version.tags === undefined ? {} : { tags: version.tags }),
    ...(secret.certificate ? { managed: true } : {}),
  });
  const deletionFields = (secret: StoredSecret, deletion?: Deletion) =>
    deletion
      ? {
          recoveryId: `${base}/deletedsecrets/${secret.name}`,
          deletedDate: deletion.deletedDate,
          scheduledPurgeDate: deletion.scheduledPurgeDate,
        }
      : {};
  return {
    /** SecretBundle: the value only where the operation answers it (set, get). */
    bundle: ({ secret, version }: { secret: StoredSecret; version: SecretVersion }, withValue: boolean) => ({
      ...(withValue ? { value: version.value } : {}),
      ...common(secret, version, true),
      ...(secret.certificate ? { kid: secret.certificate.kid } : {}),
    }),
    /** SecretItem of the list: the secret's id without a version, the current version's attributes. */
    item: (secret: StoredSecret) => common(secret, secret.versions.at(-1)!, false),
    versionItem: (secret: StoredSecret, version: SecretVersion) => common(secret, version, true),
    deleted: (secret: StoredSecret, deletion?: Deletion) => ({
      ...deletionFields(secret, deletion),
      ...common(secret, secret.versions.at(-1)!, true),
    }),
    deletedItem: (secret: StoredSecret, deletion: Deletion) => ({
      ...deletionFields(secret, deletion),
      ...common(secret, secret.versions.at(-1)!, false),
    }),
  };
}

/** Pages a listing: `maxresults` (1–25, default 25) items from `$skiptoken`, and a `nextLink` when more follow. */
function pager(url: URL, base: string, apiVersion: string) {
  const raw = url.searchParams.get('maxresults');
  const size = raw === null ? maxPage : Number(raw);
  if (!Number.isInteger(size) || size < 1 || size > maxPage) {
    throw new KeyVaultFault(400, 'BadParameter', `maxresults must be a whole number from 1 to ${maxPage}.`);
  }
  const token = url.searchParams.get('$skiptoken');
  let start = 0;
  if (token !== null) {
    const decoded = Number(Buffer.from(token, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0)
      throw new KeyVaultFault(400, 'BadParameter', 'The $skiptoken is not valid.');
    start = decoded;
  }
  return <T>(all: readonly T[], shape: (item: T) => unknown) => {
    const value = all.slice(start, start + size).map(shape);
    if (start + size >= all.length) return { value, nextLink: null };
    const next = new URL(`${base}${url.pathname}`);
    next.searchParams.set('api-version', apiVersion);
    next.searchParams.set('$skiptoken', Buffer.from(String(start + size), 'utf8').toString('base64url'));
    next.searchParams.set('maxresults', String(size));
    return { value, nextLink: next.toString() };
  };
}

function parseSet(body: unknown): {
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  attributes?: Attributes;
} {
  const input = body as { value?: unknown } | undefined;
  if (typeof input?.value !== 'string') {
    throw new KeyVaultFault(400, 'BadParameter', 'Property value is required and must be a string.');
  }
  return { value: input.value, ...parseUpdate(body) };
}

function parseUpdate(body: unknown): {
  contentType?: string;
  tags?: Record<string, string>;
  attributes?: Attributes;
} {
  const input = (body ?? {}) as { contentType?: unknown; tags?: unknown; attributes?: unknown };
  if (input.contentType !== undefined && typeof input.contentType !== 'string') {
    throw new KeyVaultFault(400, 'BadParameter', 'Property contentType must be a string.');
  }
  if (
    input.tags !== undefined &&
    (typeof input.tags !== 'object' || input.tags === null || Array.isArray(input.tags))
  ) {
    throw new KeyVaultFault(400, 'BadParameter', 'Property tags must be an object of strings.');
  }
  return {
    ...(input.contentType === undefined ? {} : { contentType: input.contentType }),
    ...(input.tags === undefined ? {} : { tags: input.tags as Record<string, string> }),
    ...(input.attributes === undefined ? {} : { attributes: input.attributes as Attributes }),
  };
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new KeyVaultFault(400, 'BadParameter', 'The request body is not valid JSON.');
  }
}

function methodNotAllowed(method: string): KeyVaultFault {
  return new KeyVaultFault(405, 'MethodNotAllowed', `The method ${method} is not allowed here.`);
}

function send(response: ServerResponse, status: number, body?: unknown): void {
  response.statusCode = status;
  response.setHeader('x-ms-request-id', randomUUID());
  response.setHeader('x-ms-keyvault-service-version', '1.9.0.0');
  if (body === undefined) {
    response.end();
    return;
  }
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(body));
}
