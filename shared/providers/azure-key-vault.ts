/**
 * The `azure-key-vault` adapter: one secretm secret is one Key Vault secret, each write a new Key Vault
 * version.
 *
 * - Names: Key Vault names are 1–127 of `[0-9a-zA-Z-]` and case-insensitive, so `refFor` escapes
 *   secretm's tenant and name into lowercase letters, digits and `-` (see `encodeRefPart`), and
 *   `parseRef` is its inverse. A tenant and name whose escaped form exceeds 127 characters is a
 *   ValidationError.
 * - Values: a map is stored as JSON (`application/json`), text as is (`text/plain; charset=utf-8`),
 *   bytes as base64 (`application/octet-stream; base64`). Reads decode by the caller's `kind` hint, else
 *   by the content type, else by detection (a flat JSON object of strings is a map). Values over Key
 *   Vault's 25 KiB (25,600 bytes, as stored) are refused before any call.
 * - Tags: the caller's tags, plus `secretm-description` (the description, cut to Key Vault's 256
 *   characters; secretm keeps the full one in its own table) and `secretm-idempotency-token` (the
 *   SHA-256 of the write's idempotency token). Key Vault keeps tags per version; a `put` without tags
 *   carries the current version's forward, and `updateMetadata` changes the current version's
 *   (updateSecretProperties), writing no version.
 * - Create is "set when no secret exists": Key Vault has no conditional write, so two creates racing
 *   on one name can both succeed as two versions. A retried create or put whose token matches the
 *   current version's answers that version; the same token with another value is a ConflictError.
 * - Deletion: soft delete is Key Vault's own soft delete, so the recovery window is the vault's
 *   retention setting (7–90 days, set on the vault), not the per-secret `recoveryWindowDays`. Purge
 *   deletes, then purges; a vault with purge protection refuses it (ForbiddenError).
 * - Network: each provider has its own HTTPS agent from NetworkOptions (pinned `lookup`, a private CA
 *   added to the public roots for this agent only, a bounded timeout), follows no redirects and ignores
 *   proxy variables (a proxy would bypass the pinned address). Every call is bounded by `timeoutMs`,
 *   retries included.
 */

import { createHash } from 'node:crypto';
import { Agent } from 'node:https';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { TokenCredential } from '@azure/core-auth';
import { AuthenticationError, ClientSecretCredential, CredentialUnavailableError } from '@azure/identity';
import {
  isRestError,
  type KeyVaultSecret,
  SecretClient,
  type SecretClientOptions,
  type SecretProperties,
} from '@azure/keyvault-secrets';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  ProviderUnavailableError,
  SecretmError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from '../errors.ts';
import { secretNamePattern } from '../validation/name-patterns.ts';
import {
  type ConnectionCheck,
  type DeleteMode,
  type DiscoveredSecret,
  defaultVaultTimeoutMs,
  type NetworkOptions,
  type ReadValue,
  type SecretPayload,
  type SecretProvider,
  type WriteOptions,
  type WrittenVersion,
} from './provider.ts';

export interface AzureKeyVaultConfig {
  /** e.g. https://my-vault.vault.azure.net */
  vaultUrl: string;
  /** PEM of a private CA for this vault (NetworkOptions.caCert wins when both are given). */
  caCert?: string;
}

export interface AzureClientSecret {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/** Key Vault's limit on a secret value, in bytes of the stored string. */
export const azureMaxValueBytes = 25_600;
/** Key Vault's limit on a secret name. */
export const azureMaxNameLength = 127;

const maxTags = 15;
const maxTagValueLength = 256;
const maxPageSize = 25;
const descriptionTag = 'secretm-description';
const tokenTag = 'secretm-idempotency-token';
const reservedTags = new Set([descriptionTag, tokenTag]);
/** The newest Key Vault API version that Azure and Lowkey Vault both serve. */
const serviceVersion = '7.5';
const versionIdPattern = /^[0-9a-f]{32}$/i;
const tenantPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
const namePattern = secretNamePattern;
/** Public and sovereign Key Vault domains: only there does the SDK check the challenge's resource. */
const azureVaultDomains = [
  '.vault.azure.net',
  '.vault.azure.cn',
  '.vault.usgovcloudapi.net',
  '.vault.microsoftazure.de',
];

export const contentTypes = {
  map: 'application/json',
  text: 'text/plain; charset=utf-8',
  binary: 'application/octet-stream; base64',
} as const;

type PayloadKind = SecretPayload['kind'];
type PipelinePolicy = NonNullable<SecretClientOptions['additionalPolicies']>[number]['policy'];

// ---------------------------------------------------------------------------------------------------
// Names

/**
 * Escapes one part into `[a-z0-9-]`: a lowercase letter or digit stays; `-` → `-0`, `.` → `-1`,
 * `_` → `-2`, `/` → `-3`, an uppercase letter → `-` and the letter in lowercase. `--` never occurs inside a part,
 * so it separates the tenant from the name, and the whole is unchanged by Key Vault's case folding.
 */
function encodeRefPart(part: string): string {
  let out = '';
  for (const char of part) {
    if (/[a-z0-9]/.test(char)) out += char;
    else if (char === '-') out += '-0';
    else if (char === '.') out += '-1';
    else if (char === '_') out += '-2';
    else if (char === '/') out += '-3';
    else if (/[A-Z]/.test(char)) out += `-${char.toLowerCase()}`;
    else throw new ValidationError(`"${part}" has a character Azure Key Vault names cannot carry.`);
  }
  return out;
}

function decodeRefPart(part: string): string | undefined {
  let out = '';
  for (let i = 0; i < part.length; i++) {
    const char = part[i]!;
    if (char !== '-') {
      out += char;
      continue;
    }
    const next = part[++i];
    if (next === '0') out += '-';
    else if (next === '1') out += '.';
    else if (next === '2') out += '_';
    else if (next === '3') out += '/';
    else if (next !== undefined && /[a-z]/.test(next)) out += next.toUpperCase();
    else return undefined;
  }
  return out;
}

/** The Key Vault secret name for a secretm tenant and secret name. ValidationError past 127 characters. */
export function azureRefFor(tenant: string, name: string): string {
  if (!tenantPattern.test(tenant)) {
    throw new ValidationError(
      `The tenant "${tenant}" is not valid: use 1 to 63 lowercase letters, digits and "-", starting with a letter or digit.`,
    );
  }
  if (!namePattern.test(name)) {
    throw new ValidationError(
      `The secret name "${name}" is not valid: use 1 to 128 letters, digits, ".", "_" and "-" in segments separated by "/", each starting with a letter or digit.`,
    );
  }
  const ref = `${encodeRefPart(tenant)}--${encodeRefPart(name)}`;
  if (ref.length > azureMaxNameLength) {
    throw new ValidationError(
      `The secret name "${name}" is too long for Azure Key Vault: with the tenant "${tenant}" it needs ${ref.length} characters, and Key Vault names are limited to ${azureMaxNameLength} (uppercase letters, ".", "_" and "-" take two characters each). Choose a shorter name.`,
      {
        details: [
          {
            path: 'name',
            message: `at most ${azureMaxNameLength} characters once encoded for Azure Key Vault`,
          },
        ],
      },
    );
  }
  return ref;
}

/** The inverse of `azureRefFor`; undefined for a Key Vault name that secretm did not make. */
export function parseAzureRef(ref: string): { tenant: string; name: string } | undefined {
  const lower = ref.toLowerCase();
  if (!/^[a-z0-9-]+$/.test(lower)) return undefined;
  const separator = findSeparator(lower);
  if (separator === undefined) return undefined;
  const tenant = decodeRefPart(lower.slice(0, separator));
  const name = decodeRefPart(lower.slice(separator + 2));
  if (tenant === undefined || name === undefined) return undefined;
  if (!tenantPattern.test(tenant) || !namePattern.test(name)) return undefined;
  return { tenant, name };
}

/** Index of the `--` that is not the second half of an escape. */
function findSeparator(ref: string): number | undefined {
  for (let i = 0; i < ref.length; i++) {
    if (ref[i] !== '-') continue;
    if (ref[i + 1] === '-') return i;
    i++;
  }
  return undefined;
}

/** Key Vault's own rule, for refs that come from outside secretm (import, discover). */
function assertAzureName(ref: string): void {
  if (!/^[0-9a-zA-Z-]{1,127}$/.test(ref)) {
    throw new ValidationError(
      `"${ref}" is not an Azure Key Vault secret name: names are 1 to ${azureMaxNameLength} letters, digits and "-".`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// Values

/** The string Key Vault stores for a payload, and its content type. */
export function encodeAzureValue(payload: SecretPayload): { value: string; contentType: string } {
  switch (payload.kind) {
    case 'map':
      return { value: JSON.stringify(payload.data), contentType: contentTypes.map };
    case 'text':
      return { value: payload.text, contentType: contentTypes.text };
    case 'binary':
      return { value: Buffer.from(payload.bytes).toString('base64'), contentType: contentTypes.binary };
  }
}

/**
 * The payload of a stored value: by the `kind` hint when given (how secretm wrote it), else by the
 * content type, else a flat JSON object of strings is a map and anything else text.
 */
export function decodeAzureValue(
  value: string,
  contentType: string | undefined,
  kind?: PayloadKind,
): SecretPayload {
  const type = parseContentType(contentType);
  if (kind === 'map') {
    const data = flatStringMap(value);
    if (!data) {
      throw new UnprocessableError(
        'The value in Azure Key Vault is not a JSON object of strings, so it cannot be read as key/value pairs. Read it as a file, or fix the value in the vault.',
      );
    }
    return { kind: 'map', data };
  }
  if (kind === 'text') return { kind: 'text', text: value };
  if (kind === 'binary')
    return { kind: 'binary', bytes: type.base64 ? base64Bytes(value) : Buffer.from(value, 'utf8') };
  if (type.base64) return { kind: 'binary', bytes: base64Bytes(value) };
  if (type.mediaType === 'text/plain') return { kind: 'text', text: value };
  const data = flatStringMap(value);
  return data ? { kind: 'map', data } : { kind: 'text', text: value };
}

function parseContentType(contentType: string | undefined): { mediaType: string; base64: boolean } {
  const [mediaType = '', ...params] = (contentType ?? '')
    .toLowerCase()
    .split(';')
    .map((part) => part.trim());
  return { mediaType, base64: mediaType === 'application/octet-stream' && params.includes('base64') };
}

function base64Bytes(value: string): Uint8Array {
  const compact = value.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    throw new UnprocessableError(
      'The value in Azure Key Vault is marked as base64 but is not valid base64. Fix the value or its content type in the vault.',
    );
  }
  return Buffer.from(compact, 'base64');
}

function flatStringMap(value: string): Record<string, string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const entries = Object.entries(parsed);
  if (!entries.every(([, entry]) => typeof entry === 'string')) return undefined;
  return Object.fromEntries(entries) as Record<string, string>;
}

function assertValueSize(value: string): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > azureMaxValueBytes) {
    throw new PayloadTooLargeError(
      `The value takes ${bytes} bytes as Azure Key Vault stores it (files as base64), and Key Vault accepts at most ${azureMaxValueBytes} bytes (25 KiB). Make it smaller, split it into several secrets, or keep it on a vault without this limit.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// Credentials and the client

/** The production credential of a connection: an Entra ID app registration's client secret. */
export function createAzureClientSecretCredential(credentials: AzureClientSecret): TokenCredential {
  return new ClientSecretCredential(credentials.tenantId, credentials.clientId, credentials.clientSecret);
}

function isAzureVaultHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return azureVaultDomains.some((domain) => host.endsWith(domain));
}

function parseVaultUrl(vaultUrl: string): URL {
  let url: URL;
  try {
    url = new URL(vaultUrl);
  } catch (cause) {
    throw new ValidationError(
      `The vault URL "${vaultUrl}" is not a URL: use https://<vault-name>.vault.azure.net.`,
      {
        cause,
      },
    );
  }
  if (
    url.protocol !== 'https:' ||
    url.username ||
    url.password ||
    (url.pathname !== '/' && url.pathname !== '')
  ) {
    throw new ValidationError(
      `The vault URL "${vaultUrl}" must be an https:// address with no path or user, such as https://<vault-name>.vault.azure.net.`,
    );
  }
  return url;
}

/** Keeps every request on this provider's agent, whatever the proxy policy or the environment set. */
function pinnedAgentPolicy(
  agent: Agent,
  timeoutMs: number,
  onListPage?: (nextLink?: string) => void,
): PipelinePolicy {
  return {
    name: 'secretmPinnedAgent',
    async sendRequest(request, next) {
      request.agent = agent;
      request.proxySettings = undefined;
      request.timeout = timeoutMs;
      const response = await next(request);
      if (response.status >= 300 && !response.bodyAsText) {
        // The SDK cannot read an error without a body (a redirect, a bare 404 from a proxy): give it one.
        response.bodyAsText = JSON.stringify({ error: { code: `Http${response.status}`, message: '' } });
        response.headers.set('content-type', 'application/json');
      }
      if (onListPage && request.method === 'GET' && response.status === 200) {
        const path = new URL(request.url).pathname.replace(/\/+$/, '');
        if (path === '/secrets') onListPage(nextLinkOf(response.bodyAsText));
      }
      return response;
    },
  };
}

function nextLinkOf(body: string | null | undefined): string | undefined {
  try {
    const parsed = JSON.parse(body ?? '') as { nextLink?: unknown };
    return typeof parsed.nextLink === 'string' && parsed.nextLink !== '' ? parsed.nextLink : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// Errors

interface CallContext {
  host: string;
  signal: AbortSignal;
  timeoutMs: number;
  /** Why the connection's address guard refused to dial the vault, when it did (the SDK keeps only its message). */
  refusal?: SecretmError | undefined;
}

/** Maps what the SDK threw to a typed error. Never includes a value: messages come from statuses and codes. */
function mapAzureError(error: unknown, action: string, context: CallContext, ref?: string): SecretmError {
  const where = `Azure Key Vault ${context.host}`;
  if (context.refusal && isRestError(error) && error.statusCode === undefined) return context.refusal;
  if (context.signal.aborted) {
    return new ProviderUnavailableError(
      `${where} did not answer within ${context.timeoutMs} ms while trying to ${action}. Check that the vault URL is right and reachable from here, then try again.`,
      { cause: error },
    );
  }
  if (error instanceof AuthenticationError || error instanceof CredentialUnavailableError) {
    return new UnauthorizedError(
      `Entra ID gave no token for ${where}, so the vault refused the connection's credentials: check the connection's tenant id, client id and client secret (and that the secret has not expired).`,
      { cause: error },
    );
  }
  if (!isRestError(error)) {
    return new ProviderUnavailableError(`${where} failed while trying to ${action}. Try again later.`, {
      cause: error,
    });
  }
  const status = error.statusCode;
  const code = error.code;
  if (status === undefined) {
    if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(code)) {
      return new ProviderUnavailableError(
        `${where} presented a TLS certificate that could not be verified (${code}). If the vault sits behind a private CA, add that CA's PEM to the connection as caCert.`,
        { cause: error },
      );
    }
    return new ProviderUnavailableError(
      `${where} could not be reached to ${action}${code ? ` (${code})` : ''}. Check the vault URL, DNS and network access, then try again.`,
      { cause: error },
    );
  }
  const subject = ref === undefined ? '' : ` "${ref}"`;
  if (status >= 300 && status < 400) {
    return new ProviderUnavailableError(
      `${where} answered with a redirect (${status}), which secretm does not follow. Use the vault's own URL, https://<vault-name>.vault.azure.net.`,
      { cause: error },
    );
  }
  switch (status) {
    case 400:
      return new ValidationError(
        `${where} refused the request to ${action}${subject} as invalid${code ? ` (${code})` : ''}. Check the secret's name, tags and value.`,
        { cause: error },
      );
    case 401:
      return new UnauthorizedError(
        `${where} refused the connection's credentials: check the tenant id, client id and client secret.`,
        { cause: error },
      );
    case 403:
      return new ForbiddenError(
        `${where} refused the connection's credentials for this operation (${action}): grant the app registration the secret permissions secretm needs (get, list, set, delete, recover, purge), through an access policy or the "Key Vault Secrets Officer" role.`,
        { cause: error },
      );
    case 404:
      return new NotFoundError(`${where} has no secret${subject}.`, { cause: error });
    case 409:
      return new ConflictError(
        `${where} refused to ${action}${subject} because of a conflicting state${code ? ` (${code})` : ''}: the name may be deleted but still recoverable (restore or purge it), or in the middle of another operation. Try again in a moment.`,
        { cause: error },
      );
    case 413:
      return new PayloadTooLargeError(
        `${where} refused the value as too large: Key Vault accepts at most ${azureMaxValueBytes} bytes.`,
        { cause: error },
      );
    case 429:
      return new TooManyRequestsError(`${where} is throttling requests. Try again in a few seconds.`, {
        cause: error,
      });
    default:
      return new ProviderUnavailableError(
        `${where} failed to ${action} (HTTP ${status}). Try again later; if it persists, check the vault's health in Azure.`,
        { cause: error },
      );
  }
}

function isStatus(error: unknown, status: number): boolean {
  return isRestError(error) && error.statusCode === status;
}

// ---------------------------------------------------------------------------------------------------
// The provider

export function createAzureKeyVaultProvider(
  config: AzureKeyVaultConfig,
  credential: TokenCredential,
  network: NetworkOptions = {},
): SecretProvider {
  const url = parseVaultUrl(config.vaultUrl);
  const vaultUrl = url.origin;
  const host = url.host;
  const timeoutMs = network.timeoutMs ?? defaultVaultTimeoutMs;
  const caCert = network.caCert ?? config.caCert;
  // The SDK rebuilds a failed connection's error from its message alone, so the address guard's
  // refusal is kept here and answered as it is (a ValidationError naming the address), not as "unreachable".
  let refusal: SecretmError | undefined;
  const lookup =
    network.lookup === undefined
      ? undefined
      : recordingRefusals(network.lookup, (refused) => {
          refusal = refused;
        });
  const agent = new Agent({
    keepAlive: true,
    timeout: timeoutMs,
    ...(caCert === undefined ? {} : { ca: [...rootCertificates, caCert] }),
    ...(lookup === undefined ? {} : { lookup }),
  });

  const newClient = (onListPage?: (nextLink?: string) => void) =>
    new SecretClient(vaultUrl, credential, {
      serviceVersion,
      disableChallengeResourceVerification: !isAzureVaultHost(url.hostname),
      agent,
      redirectOptions: { maxRetries: 0 },
      retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1_000 },
      additionalPolicies: [{ policy: pinnedAgentPolicy(agent, timeoutMs, onListPage), position: 'perRetry' }],
    });
  const client = newClient();

  /** Runs one adapter call under one deadline, mapping whatever it throws. */
  const call = async <T>(
    action: string,
    ref: string | undefined,
    run: (signal: AbortSignal) => Promise<T>,
  ) => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      return await run(signal);
    } catch (error) {
      if (error instanceof SecretmError) throw error;
      throw mapAzureError(error, action, { host, signal, timeoutMs, refusal }, ref);
    }
  };

  const currentOrUndefined = async (
    name: string,
    signal: AbortSignal,
  ): Promise<KeyVaultSecret | undefined> => {
    try {
      return await client.getSecret(name, { abortSignal: signal });
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  };

  const isDeleted = async (name: string, signal: AbortSignal): Promise<boolean> => {
    try {
      await client.getDeletedSecret(name, { abortSignal: signal });
      return true;
    } catch (error) {
      // 403: no permission to read deleted secrets; the set below then answers 409 if it is deleted.
      if (isStatus(error, 404) || isStatus(error, 403)) return false;
      throw error;
    }
  };

  const tagsFor = (options: WriteOptions, current: SecretProperties | undefined): Record<string, string> =>
    azureTags(
      options.tags ?? userTagsOf(current?.tags),
      options.description ?? current?.tags?.[descriptionTag],
      options.idempotencyToken === undefined ? undefined : tokenDigest(options.idempotencyToken),
    );

  /** The current version when it was written with this token: the first answer of a retried write. */
  const replayOf = (
    current: KeyVaultSecret,
    options: WriteOptions,
    encoded: { value: string; contentType: string },
    ref: string,
  ): WrittenVersion | undefined => {
    if (options.idempotencyToken === undefined) return undefined;
    if (current.properties.tags?.[tokenTag] !== tokenDigest(options.idempotencyToken)) return undefined;
    if (current.value !== encoded.value || current.properties.contentType !== encoded.contentType) {
      throw new ConflictError(
        `The idempotency key was already used for "${ref}" with another value. Use a new idempotency key for a new value.`,
      );
    }
    return { versionId: versionOf(current.properties) };
  };

  const write = async (
    name: string,
    encoded: { value: string; contentType: string },
    tags: Record<string, string>,
    signal: AbortSignal,
  ): Promise<WrittenVersion> => {
    const written = await client.setSecret(name, encoded.value, {
      contentType: encoded.contentType,
      tags,
      abortSignal: signal,
    });
    return { versionId: versionOf(written.properties) };
  };

  return {
    kind: 'azure-key-vault',

    refFor: azureRefFor,

    create: async (ref, payload, options = {}) => {
      assertAzureName(ref);
      const encoded = encodeAzureValue(payload);
      assertValueSize(encoded.value);
      const tags = tagsFor(options, undefined);
      return call('create the secret', ref, async (signal) => {
        const current = await currentOrUndefined(ref, signal);
        if (current) {
          const replay = replayOf(current, options, encoded, ref);
          if (replay) return replay;
          throw new ConflictError(`A secret named "${ref}" already exists in Azure Key Vault ${host}.`);
        }
        if (await isDeleted(ref, signal)) {
          throw new ConflictError(
            `A secret named "${ref}" is deleted but still recoverable in Azure Key Vault ${host}: restore it, or purge it to reuse the name.`,
          );
        }
        return await write(ref, encoded, tags, signal);
      });
    },

    put: async (ref, payload, options = {}) => {
      assertAzureName(ref);
      const encoded = encodeAzureValue(payload);
      assertValueSize(encoded.value);
      return call('write a new version of the secret', ref, async (signal) => {
        const current = await currentOrUndefined(ref, signal);
        if (!current) throw new NotFoundError(`Azure Key Vault ${host} has no secret "${ref}".`);
        const replay = replayOf(current, options, encoded, ref);
        if (replay) return replay;
        return await write(ref, encoded, tagsFor(options, current.properties), signal);
      });
    },

    get: async (ref, options = {}) => {
      assertAzureName(ref);
      const { versionId, kind } = options;
      return call('read the secret', ref, async (signal): Promise<ReadValue> => {
        if (versionId !== undefined && !versionIdPattern.test(versionId)) {
          throw new NotFoundError(`Azure Key Vault ${host} has no version "${versionId}" of "${ref}".`);
        }
        const secret = await client.getSecret(ref, {
          abortSignal: signal,
          ...(versionId === undefined ? {} : { version: versionId }),
        });
        return {
          payload: decodeAzureValue(secret.value ?? '', secret.properties.contentType, kind),
          versionId: versionOf(secret.properties),
        };
      });
    },

    delete: async (ref, mode: DeleteMode) => {
      assertAzureName(ref);
      return call(mode.mode === 'purge' ? 'purge the secret' : 'delete the secret', ref, async (signal) => {
        if (mode.mode === 'soft') {
          const poller = await client.beginDeleteSecret(ref, { abortSignal: signal, intervalInMs: 250 });
          await poller.pollUntilDone({ abortSignal: signal });
          return;
        }
        let recoverable = true;
        try {
          const poller = await client.beginDeleteSecret(ref, { abortSignal: signal, intervalInMs: 250 });
          const deleted = await poller.pollUntilDone({ abortSignal: signal });
          recoverable = deleted.properties.recoveryId !== undefined;
        } catch (error) {
          // Already soft-deleted: purge it as it is; absent altogether: the purge answers 404.
          if (!isStatus(error, 404)) throw error;
        }
        if (!recoverable) return;
        await client.purgeDeletedSecret(ref, { abortSignal: signal });
        // Key Vault purges in the background: wait until the name is free, so a create may follow.
        while (await isDeleted(ref, signal)) await sleep(250, signal);
      });
    },

    restore: async (ref) => {
      assertAzureName(ref);
      return call('restore the secret', ref, async (signal) => {
        try {
          const poller = await client.beginRecoverDeletedSecret(ref, {
            abortSignal: signal,
            intervalInMs: 250,
          });
          await poller.pollUntilDone({ abortSignal: signal });
        } catch (error) {
          if (isStatus(error, 404)) {
            throw new NotFoundError(`Azure Key Vault ${host} has no deleted secret "${ref}" to restore.`, {
              cause: error,
            });
          }
          throw error;
        }
      });
    },

    updateMetadata: async (ref, changes) => {
      assertAzureName(ref);
      return call('update the tags of the secret', ref, async (signal) => {
        const current = await currentOrUndefined(ref, signal);
        if (!current) throw new NotFoundError(`Azure Key Vault ${host} has no secret "${ref}".`);
        const existing = current.properties.tags ?? {};
        const userTags = userTagsOf(existing);
        for (const [key, value] of Object.entries(changes.tags ?? {})) {
          if (value === null) delete userTags[key];
          else userTags[key] = value;
        }
        const description =
          changes.description === undefined ? existing[descriptionTag] : (changes.description ?? undefined);
        // Tags live on the current version (a put carries them forward); its write token stays with it.
        await client.updateSecretProperties(ref, versionOf(current.properties), {
          tags: azureTags(userTags, description, existing[tokenTag]),
          abortSignal: signal,
        });
      });
    },

    test: async (): Promise<ConnectionCheck> => {
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const pages = client.listPropertiesOfSecrets({ abortSignal: signal }).byPage({ maxPageSize: 1 });
        await pages.next();
        await pages.return?.();
        return {
          ok: true,
          steps: [
            { step: 'reach the vault', ok: true, message: `Azure Key Vault ${host} answered over HTTPS.` },
            { step: 'authenticate', ok: true, message: 'The vault accepted the connection’s credentials.' },
            { step: 'list secrets', ok: true, message: 'The credentials may list the vault’s secrets.' },
          ],
        };
      } catch (error) {
        return {
          ok: false,
          steps: failedSteps(mapAzureError(error, 'list secrets', { host, signal, timeoutMs, refusal })),
        };
      }
    },

    discover: async (options = {}) => {
      const limit = Math.min(Math.max(Math.trunc(options.limit ?? maxPageSize), 1), maxPageSize);
      const pageLink = options.cursor === undefined ? undefined : pageLinkOf(options.cursor, url, limit);
      return call('list secrets', undefined, async (signal) => {
        let nextLink: string | undefined;
        const pager = newClient((link) => {
          nextLink = link;
        });
        const pages = pager
          .listPropertiesOfSecrets({ abortSignal: signal })
          .byPage({ maxPageSize: limit, ...(pageLink === undefined ? {} : { continuationToken: pageLink }) });
        const page = await pages.next();
        await pages.return?.();
        const items: DiscoveredSecret[] = (page.done ? [] : page.value)
          .filter((properties) => !properties.managed)
          .map((properties) => ({
            ref: properties.name,
            ...(properties.createdOn ? { createdAt: properties.createdOn.toISOString() } : {}),
            ...(properties.updatedOn ? { updatedAt: properties.updatedOn.toISOString() } : {}),
          }));
        return nextLink === undefined ? { items } : { items, cursor: cursorOf(nextLink) };
      });
    },
  };
}

/** The caller's tags on a version: every tag but secretm's reserved ones. */
function userTagsOf(tags: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(tags ?? {}).filter(([key]) => !reservedTags.has(key)));
}

/**
 * The tags Key Vault keeps on a version: the caller's (checked against Key Vault's limits and
 * secretm's reserved names), the description (cut to a tag's 256 characters) and the write's token digest.
 */
function azureTags(
  userTags: Record<string, string>,
  description: string | undefined,
  token: string | undefined,
): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(userTags)) {
    if (reservedTags.has(key)) {
      throw new ValidationError(
        `The tag "${key}" is reserved by secretm on Azure Key Vault: use another tag name.`,
      );
    }
    if (value.length > maxTagValueLength) {
      throw new ValidationError(
        `The tag "${key}" is ${value.length} characters long, and Azure Key Vault tag values are limited to ${maxTagValueLength}.`,
      );
    }
    tags[key] = value;
  }
  if (description) tags[descriptionTag] = description.slice(0, maxTagValueLength);
  if (token !== undefined) tags[tokenTag] = token;
  if (Object.keys(tags).length > maxTags) {
    throw new ValidationError(
      `Azure Key Vault keeps at most ${maxTags} tags on a secret, and secretm uses up to ${reservedTags.size} of them: give the secret at most ${maxTags - reservedTags.size} tags.`,
    );
  }
  return tags;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

function versionOf(properties: SecretProperties): string {
  if (!properties.version) {
    throw new ProviderUnavailableError('Azure Key Vault answered without a version id. Try again later.');
  }
  return properties.version;
}

function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The opaque cursor for Key Vault's next page link. */
function cursorOf(nextLink: string): string {
  return Buffer.from(nextLink, 'utf8').toString('base64url');
}

/**
 * The next page link inside a cursor, only if it points at this vault's secret list: the SDK would send
 * the vault's token wherever the link points.
 */
function pageLinkOf(cursor: string, vault: URL, limit: number): string {
  const message = 'The cursor is not one this vault connection handed out: start again without a cursor.';
  let link: URL;
  try {
    link = new URL(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new ValidationError(message, { cause });
  }
  if (link.origin !== vault.origin || link.pathname.replace(/\/+$/, '') !== '/secrets' || link.username) {
    throw new ValidationError(message);
  }
  link.searchParams.set('maxresults', String(limit));
  return link.toString();
}

/** The steps a failed test() ran, up to the one that failed: none is reported that did not run. */
function failedSteps(error: SecretmError): ConnectionCheck['steps'] {
  if (error instanceof UnauthorizedError) {
    return [
      { step: 'reach the vault', ok: true, message: 'The vault answered over HTTPS.' },
      { step: 'authenticate', ok: false, message: error.message },
    ];
  }
  if (error instanceof ForbiddenError) {
    return [
      { step: 'reach the vault', ok: true, message: 'The vault answered over HTTPS.' },
      { step: 'authenticate', ok: true, message: 'The vault accepted the connection’s credentials.' },
      { step: 'list secrets', ok: false, message: error.message },
    ];
  }
  return [{ step: 'reach the vault', ok: false, message: error.message }];
}

/** A lookup that tells `onRefused` of each typed refusal (the address guard's) before passing it on. */
function recordingRefusals(
  lookup: LookupFunction,
  onRefused: (refusal: SecretmError) => void,
): LookupFunction {
  return (hostname, options, callback) =>
    lookup(hostname, options, ((error: NodeJS.ErrnoException | null, ...rest: unknown[]) => {
      if (error instanceof SecretmError) onRefused(error);
      (callback as (...args: unknown[]) => void)(error, ...rest);
    }) as typeof callback);
}
