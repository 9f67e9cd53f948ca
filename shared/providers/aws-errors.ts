/**
 * How an AWS Secrets Manager error becomes a typed secretm error, by AWS's error code and HTTP status:
 * shared by the `aws-secrets-manager` adapter (the SDK's exceptions, whose `name` is the code) and the
 * secretm layer's signed reader (layers/secretm/src/sources/aws-signed.ts, which reads the code from the
 * answer itself), so both give the same error for the same answer. No SDK import here.
 *
 * Messages say what a person can do, and hold no secret value (AWS's own messages hold none either).
 */
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ProviderUnavailableError,
  type SecretmError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from '../errors.ts';

/** An AWS service's answered error: its HTTP status (when known), error code and message. */
export interface AwsServiceFault {
  status: number | undefined;
  code: string;
  message: string;
}

export interface AwsErrorContext {
  /** The endpoint, or "AWS Secrets Manager in REGION". */
  where: string;
  timeoutMs: number;
  /** The secret the call was about, if one. */
  ref?: string | undefined;
}

/** AWS's documented common error codes for credentials it does not accept. */
export const credentialErrorCodes: ReadonlySet<string> = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'InvalidAccessKeyId',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
]);
/** AWS's documented common error codes for an identity that may not do what it asked. */
export const permissionErrorCodes: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'NotAuthorized',
]);
export const throttlingErrorCodes: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);
const invalidInputErrorCodes: ReadonlySet<string> = new Set([
  'ValidationException',
  'InvalidParameterValue',
  'InvalidParameterCombination',
]);
const tlsErrorCodes: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The typed error for an answered AWS Secrets Manager error; `cause` is what the client threw. */
export function awsServiceError(
  fault: AwsServiceFault,
  context: AwsErrorContext,
  cause: unknown,
): SecretmError {
  const { where, ref } = context;
  const { code, status, message } = fault;
  const subject = ref === undefined ? where : `"${ref}" in ${where}`;
  switch (code) {
    case 'ResourceNotFoundException':
      return new NotFoundError(`no secret ${subject}`, { cause });
    case 'ResourceExistsException':
      return new ConflictError(`${subject} exists already`, { cause });
    case 'InvalidParameterException':
      return new ValidationError(`${where} refused the request: ${message}`, { cause });
    case 'InvalidRequestException':
      return new ConflictError(`${subject} cannot take this action in its current state: ${message}`, {
        cause,
      });
    case 'LimitExceededException':
      return new UnprocessableError(
        `${where} refused the request, as it would exceed an AWS quota: ${message}`,
        { cause },
      );
    case 'EncryptionFailure':
    case 'DecryptionFailure':
      return new ForbiddenError(
        `${where} could not use the secret's KMS key: check that the key exists, is enabled, and that the connection's role may use it (kms:Encrypt, kms:Decrypt, kms:GenerateDataKey)`,
        { cause },
      );
    case 'InternalServiceError':
      return new ProviderUnavailableError(`${where} failed on its side; try again later`, { cause });
  }
  if (credentialErrorCodes.has(code) || status === 401) {
    return new UnauthorizedError(
      `the vault refused the connection's credentials (${code}): check the access key, or the role the connection uses, and that they have not expired`,
      { cause },
    );
  }
  if (permissionErrorCodes.has(code) || status === 403) {
    return new ForbiddenError(
      `the vault accepted the connection's credentials but refused the action (${code}): grant the connection's role the Secrets Manager permission it needs${ref === undefined ? '' : ` on ${ref}`}`,
      { cause },
    );
  }
  if (throttlingErrorCodes.has(code) || status === 429) {
    return new TooManyRequestsError(`${where} is throttling requests; try again shortly`, { cause });
  }
  if (invalidInputErrorCodes.has(code)) {
    return new ValidationError(`${where} refused the request: ${message}`, { cause });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new UnprocessableError(`${where} refused the request (${code}): ${message}`, { cause });
  }
  return new ProviderUnavailableError(
    `${where} failed (${code}${status === undefined ? '' : `, HTTP ${status}`}); try again later`,
    { cause },
  );
}

/** The typed error for a request that got no answer: a timeout, a refused or reset connection, TLS. */
export function networkError(error: unknown, where: string, timeoutMs: number): ProviderUnavailableError {
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'ECONNRESET') {
    return new ProviderUnavailableError(
      `${where} did not answer within ${timeoutMs} ms: check the endpoint, the network path to it, and try again`,
      { cause: error },
    );
  }
  if (
    typeof code === 'string' &&
    (tlsErrorCodes.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))
  ) {
    return new ProviderUnavailableError(
      `the TLS certificate of ${where} is not trusted (${code}): set the connection's CA certificate, or check the endpoint's host name`,
      { cause: error },
    );
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') {
    return new ProviderUnavailableError(
      `nothing answered at ${where} (${code}): check the endpoint and that the network lets this service reach it`,
      { cause: error },
    );
  }
  return new ProviderUnavailableError(
    `${where} could not be reached${typeof code === 'string' ? ` (${code})` : ''}: check the endpoint and the network, and try again`,
    { cause: error },
  );
}
