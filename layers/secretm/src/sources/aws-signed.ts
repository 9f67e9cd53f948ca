/**
 * The layer's own AWS Secrets Manager reads: GetSecretValue and BatchGetSecretValue as HTTPS requests
 * it signs itself, so a function's first read loads a few KiB of code instead of the AWS SDK client
 * (~180 KiB minified). sources/aws.ts uses it wherever it applies (see `signedEndpoint` and
 * `signingCredentials`) and falls back to the SDK adapter (shared/providers/aws-secrets-manager.ts)
 * elsewhere.
 *
 * - Protocol: AWS JSON 1.1, `POST /` with `content-type: application/x-amz-json-1.1` and
 *   `x-amz-target: secretsmanager.<Operation>`; SecretBinary travels as base64. An error answer names
 *   its code in the `x-amzn-errortype` header or the body's `code` / `__type` (cut at `:`, and after
 *   a `#` namespace), its text in `message` / `Message`.
 * - Signing: SigV4 by @smithy/signature-v4 (the signer the SDK itself uses), SHA-256 from node:crypto.
 * - Network: node:https (node:http for an http endpoint), one keep-alive agent per reader; every call
 *   (all its attempts) ends within `timeoutMs`.
 * - Retries as the SDK's standard mode: at most 3 attempts, on throttling, 5xx and dropped or refused
 *   connections, after a full-jitter exponential back-off (base 50 ms, 1 s when throttled), drawn
 *   from a retry quota so that an outage does not triple the load; never past the deadline.
 * - The same payloads (shared/providers/aws-secret-payload.ts) and typed errors
 *   (shared/providers/aws-errors.ts) as the SDK adapter's reads. No error message holds a value: an
 *   answer's body is only ever quoted from an error answer, which holds none.
 * - Every request sent, each retry too, is told to `count` by its AWS operation name, with the
 *   secret's reference for a single read.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  NotFoundError,
  ProviderUnavailableError,
  SecretmError,
  ValidationError,
} from '../../../../shared/errors.ts';
import {
  awsServiceError,
  networkError,
  throttlingErrorCodes,
} from '../../../../shared/providers/aws-errors.ts';
import {
  awsBatchReadLimit,
  batchEntryFor,
  checkAwsSecretRef,
  decodeAwsSecret,
} from '../../../../shared/providers/aws-secret-payload.ts';
import type { ReadValue } from '../../../../shared/providers/provider.ts';
import type { BatchOutcome, ReadableProvider, RequestCounter } from './reader.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignedReaderOptions {
  region: string;
  /** Where requests go: `signedEndpoint(region, endpoint)`. */
  endpoint: string;
  credentials: AwsCredentials;
  timeoutMs: number;
}

type Env = Record<string, string | undefined>;

/** The partitions whose public endpoint is known here: `secretsmanager.REGION.SUFFIX`. */
const partitions = [
  { regions: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, suffix: 'amazonaws.com' },
  { regions: /^cn-\w+-\d+$/, suffix: 'amazonaws.com.cn' },
];

/**
 * Where the signed reader sends a region's requests: the given endpoint, else the one the environment
 * sets for every client (AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL, as the SDK reads them),
 * else the region's public one; undefined for a region outside the aws and aws-cn partitions
 * (GovCloud, ISO), which the SDK reads.
 */
export function signedEndpoint(
  region: string,
  endpoint: string | undefined,
  env: Env = {},
): string | undefined {
  const partition = partitions.find((candidate) => candidate.regions.test(region));
  if (partition === undefined) return undefined;
  const fromEnv = isSet(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)
    ? undefined
    : env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_ENDPOINT_URL || undefined;
  return endpoint ?? fromEnv ?? `https://secretsmanager.${region}.${partition.suffix}`;
}

/**
 * Credentials the signed reader can sign with: the given ones, else the function's own from the
 * environment (Lambda sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN for the
 * execution role); undefined when neither holds any (container credentials, SnapStart, profiles), or
 * when the environment asks for a FIPS or dual-stack endpoint: the SDK knows those.
 */
export function signingCredentials(
  explicit: AwsCredentials | undefined,
  env: Env,
): AwsCredentials | undefined {
  if (isSet(env.AWS_USE_FIPS_ENDPOINT) || isSet(env.AWS_USE_DUALSTACK_ENDPOINT)) return undefined;
  if (explicit !== undefined) return explicit;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env.AWS_SESSION_TOKEN;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** A boolean setting of the SDK's that is on (anything but empty or `false`: unsure means the SDK). */
function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value.toLowerCase() !== 'false';
}

const maxAttempts = 3;
const baseDelayMs = 50;
const throttledBaseDelayMs = 1_000;
const maxDelayMs = 20_000;
const retryQuota = 500;
const retryCost = 14;
const throttledRetryCost = 5;
/** What the SDK's standard mode retries besides throttling: these statuses, these codes, these network failures. */
const retryableStatus = new Set([500, 502, 503, 504]);
const retryableCodes = new Set(['RequestTimeout', 'RequestTimeoutException']);
const retryableNetworkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const userAgent = `secretm-layer (signed requests) lang/js md/nodejs#${process.versions.node}`;

/** An error answer of AWS Secrets Manager, as the SDK would have thrown it (`name` is the code). */
class AwsFault extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = code;
    this.status = status;
    this.code = code;
  }
}

/** node:crypto's SHA-256 and HMAC-SHA-256, as the signer wants them. */
class Sha256 {
  private readonly hash: { update(data: string | Uint8Array): unknown; digest(): Buffer };
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    throw new Error('a SigV4 hash is used once');
  }
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytesOf(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

interface WireSecretValue {
  Name?: string;
  ARN?: string;
  VersionId?: string;
  SecretString?: string;
  SecretBinary?: string;
}

/** The signed reader of one region: AWS Secrets Manager's reads, each request counted. */
export function createSignedReader(
  options: SignedReaderOptions,
  count: RequestCounter,
): Required<ReadableProvider> {
  const { region, timeoutMs } = options;
  // Checked first, so a malformed endpoint is a ValidationError rather than a TypeError.
  const url = URL.canParse(options.endpoint) ? new URL(options.endpoint) : undefined;
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ValidationError('the AWS Secrets Manager endpoint must be an http(s) URL');
  }
  const secure = url.protocol === 'https:';
  const where =
    options.endpoint === signedEndpoint(region, undefined)
      ? `AWS Secrets Manager in ${region}`
      : options.endpoint;
  // Required, not imported: an ES import of node:http builds its namespace, whose WebSocket getters load
  // undici's WebSocket, some 30 ms of a cold start for nothing.
  const transport = createRequire(import.meta.url)(secure ? 'node:https' : 'node:http') as Pick<
    typeof import('node:http'),
    'Agent' | 'request'
  >;
  const agent = new transport.Agent({ keepAlive: true });
  const send = transport.request;
  const path = url.pathname || '/';
  const signer = new SignatureV4({
    service: 'secretsmanager',
    region,
    credentials: options.credentials,
    sha256: Sha256,
    applyChecksum: false,
  });
  let quota = retryQuota;

  /** One HTTP exchange, abandoned (a TimeoutError) after `waitMs`. */
  const exchange = async (operation: string, body: string, waitMs: number): Promise<Answer> => {
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path,
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-target': `secretsmanager.${operation}`,
      },
      body,
    });
    return new Promise<Answer>((resolve, reject) => {
      const outgoing = send(
        {
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port,
          path,
          method: 'POST',
          headers: { ...signed.headers, 'user-agent': userAgent },
          agent,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', fail);
          incoming.on('end', () => {
            clearTimeout(timer);
            resolve({
              status: incoming.statusCode ?? 0,
              headers: incoming.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      const timer = setTimeout(() => {
        const timeout = new Error(`no answer within ${timeoutMs} ms`);
        timeout.name = 'TimeoutError';
        outgoing.destroy(timeout);
      }, waitMs);
      function fail(error: unknown) {
        clearTimeout(timer);
        reject(error);
      }
      outgoing.on('error', fail);
      outgoing.end(body);
    });
  };

  /** Sends one operation, retrying as the SDK's standard mode does, within `timeoutMs` in all. */
  const call = async (operation: string, input: object, ref?: string): Promise<Record<string, unknown>> => {
    const body = JSON.stringify(input);
    const deadline = performance.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      count(operation, ref);
      let failure: unknown;
      let throttled = false;
      let retryable: boolean;
      try {
        const answer = await exchange(operation, body, Math.max(deadline - performance.now(), 1));
        if (answer.status >= 200 && answer.status < 300) {
          quota = Math.min(retryQuota, quota + 1);
          return parseAnswer(answer, where);
        }
        const fault = faultOf(answer);
        throttled = throttlingErrorCodes.has(fault.code) || fault.status === 429;
        retryable = throttled || retryableStatus.has(fault.status) || retryableCodes.has(fault.code);
        failure = fault;
      } catch (error) {
        if (error instanceof SecretmError) throw error;
        const code = (error as { code?: unknown }).code;
        retryable = typeof code === 'string' && retryableNetworkCodes.has(code);
        failure = error;
      }
      const cost = throttled ? throttledRetryCost : retryCost;
      if (!retryable || attempt >= maxAttempts || quota < cost) throw failure;
      const base = throttled ? throttledBaseDelayMs : baseDelayMs;
      const delay = Math.floor(Math.random() * Math.min(base * 2 ** (attempt - 1), maxDelayMs));
      if (performance.now() + delay >= deadline) throw failure;
      quota -= cost;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  };

  const mapped = (error: unknown, ref?: string): SecretmError => {
    if (error instanceof SecretmError) return error;
    if (error instanceof AwsFault) return awsServiceError(error, { where, timeoutMs, ref }, error);
    return networkError(error, where, timeoutMs);
  };

  const provider: Required<ReadableProvider> = {
    async get(ref, readOptions = {}): Promise<ReadValue> {
      checkAwsSecretRef(ref);
      const { versionId, kind } = readOptions;
      let answer: WireSecretValue;
      try {
        answer = (await call(
          'GetSecretValue',
          versionId === undefined
            ? { SecretId: ref, VersionStage: 'AWSCURRENT' }
            : { SecretId: ref, VersionId: versionId },
          ref,
        )) as WireSecretValue;
      } catch (error) {
        const code = error instanceof AwsFault ? error.code : undefined;
        if (
          versionId !== undefined &&
          (code === 'ResourceNotFoundException' || code === 'InvalidParameterException')
        ) {
          throw new NotFoundError(`"${ref}" has no version ${versionId} in ${where}`, { cause: error });
        }
        if (code === 'InvalidRequestException') {
          // What AWS answers for a secret pending deletion (the SDK adapter asks DescribeSecret to be sure).
          throw new NotFoundError(
            `"${ref}" cannot be read in ${where} in its current state (pending deletion, most likely: restore it to use it again)`,
            { cause: error },
          );
        }
        throw mapped(error, ref);
      }
      if (!answer.VersionId) {
        throw new ProviderUnavailableError(`${where} answered "${ref}" without a version id; try again`);
      }
      return { payload: decodeAwsSecret(wireValue(answer), ref, kind), versionId: answer.VersionId };
    },

    async getBatch(refs): Promise<BatchOutcome[]> {
      if (refs.length === 0) return [];
      if (refs.length > awsBatchReadLimit) {
        throw new ValidationError(`a batch read names at most ${awsBatchReadLimit} secrets`);
      }
      for (const { ref } of refs) checkAwsSecretRef(ref);
      const ids = [...new Set(refs.map(({ ref }) => ref))];
      const values: WireSecretValue[] = [];
      const errors: { SecretId?: string; ErrorCode?: string }[] = [];
      try {
        let nextToken: string | undefined;
        do {
          const page = (await call('BatchGetSecretValue', {
            SecretIdList: ids,
            ...(nextToken === undefined ? {} : { NextToken: nextToken }),
          })) as { SecretValues?: WireSecretValue[]; Errors?: typeof errors; NextToken?: string };
          values.push(...(page.SecretValues ?? []));
          errors.push(...(page.Errors ?? []));
          nextToken = page.NextToken || undefined;
        } while (nextToken !== undefined);
      } catch (error) {
        throw mapped(error);
      }
      return Promise.all(
        refs.map(async ({ ref, kind }): Promise<BatchOutcome> => {
          const entry = batchEntryFor(values, ref);
          try {
            if (entry?.VersionId) {
              return {
                ref,
                value: { payload: decodeAwsSecret(wireValue(entry), ref, kind), versionId: entry.VersionId },
              };
            }
            const refused = errors.find((error) => error.SecretId === ref);
            if (refused?.ErrorCode === 'ResourceNotFoundException') {
              return { ref, error: new NotFoundError(`no secret "${ref}" in ${where}`) };
            }
            // Anything else (pending deletion, KMS, permission, an answer that names the secret
            // differently) is read alone, so its error is exactly the one `get` gives.
            return { ref, value: await provider.get(ref, kind === undefined ? {} : { kind }) };
          } catch (error) {
            return { ref, error: mapped(error, ref) };
          }
        }),
      );
    },
  };
  return provider;
}

/** A success answer's JSON body. */
function parseAnswer(answer: Answer, where: string): Record<string, unknown> {
  try {
    const parsed: unknown = answer.body === '' ? {} : JSON.parse(answer.body);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Answered below; the body may hold a value, so it is never quoted.
  }
  throw new ProviderUnavailableError(`${where} answered with a body that is not a JSON object; try again`);
}

/**
 * An error answer's code and message, as AWS JSON 1.1 carries them; an XML error document's (what an
 * authentication front-end may answer, moto's too) when the body is not JSON.
 */
function faultOf(answer: Answer): AwsFault {
  let body: { code?: unknown; __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(answer.body);
    if (typeof parsed === 'object' && parsed !== null) body = parsed as typeof body;
  } catch {
    body = {
      code: /<Code>([^<]{1,200})<\/Code>/.exec(answer.body)?.[1],
      message: /<Message>([^<]{0,1000})<\/Message>/.exec(answer.body)?.[1],
    };
  }
  const header = answer.headers['x-amzn-errortype'];
  const raw = [header, body.code, body.__type].find((value) => typeof value === 'string' && value !== '') as
    | string
    | undefined;
  const code = raw === undefined ? `HTTP${answer.status}` : sanitizeErrorCode(raw);
  const message = [body.message, body.Message].find((value) => typeof value === 'string') as
    | string
    | undefined;
  return new AwsFault(answer.status, code, message ?? '');
}

/** `aws.namespace#Code:http://…` → `Code`. */
function sanitizeErrorCode(raw: string): string {
  const [beforeColon = raw] = raw.split(':');
  const hash = beforeColon.indexOf('#');
  return hash === -1 ? beforeColon : beforeColon.slice(hash + 1);
}

/** The value of a wire answer: SecretBinary arrives as base64. */
function wireValue(answer: WireSecretValue): { SecretString?: string; SecretBinary?: Uint8Array } {
  if (typeof answer.SecretBinary === 'string') {
    return { SecretBinary: new Uint8Array(Buffer.from(answer.SecretBinary, 'base64')) };
  }
  return typeof answer.SecretString === 'string' ? { SecretString: answer.SecretString } : {};
}
