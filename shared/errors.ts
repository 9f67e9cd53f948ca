/**
 * Typed domain errors. They know nothing of HTTP: functions/http/error-response.ts maps each class
 * to a status code in one place. Messages are written for the person reading the response and must
 * never contain a secret value.
 */
export interface ErrorDetail {
  /** Where the problem is: a field path (`data.API_KEY`), a dotenv line (`dotenv:3`), a header. */
  path: string;
  message: string;
}

export abstract class SecretmError extends Error {
  abstract readonly code: string;
  readonly details: ErrorDetail[] | undefined;

  constructor(message: string, options: { cause?: unknown; details?: ErrorDetail[] } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details;
  }
}

/** The request is malformed: wrong types, unknown fields, bad names, bad dotenv, bad cursor. */
export class ValidationError extends SecretmError {
  readonly code = 'validation_failed';
}

/** The request is well-formed but cannot be honoured as sent (e.g. an idempotency key reused with another body). */
export class UnprocessableError extends SecretmError {
  readonly code = 'unprocessable';
}

export class UnauthorizedError extends SecretmError {
  readonly code = 'unauthorized';
}

export class ForbiddenError extends SecretmError {
  readonly code = 'forbidden';
}

/** Absent, or belonging to another tenant: the two are indistinguishable by design. */
export class NotFoundError extends SecretmError {
  readonly code = 'not_found';
}

/** The path exists, but not for this method; `allow` lists the methods it has. */
export class MethodNotAllowedError extends SecretmError {
  readonly code = 'method_not_allowed';
  readonly allow: string[];

  constructor(message: string, allow: string[]) {
    super(message);
    this.allow = allow;
  }
}

/** The name exists already, or another write holds the secret right now. */
export class ConflictError extends SecretmError {
  readonly code = 'conflict';
}

/** `If-Match` named a version that is no longer current. */
export class PreconditionFailedError extends SecretmError {
  readonly code = 'precondition_failed';
}

export class PayloadTooLargeError extends SecretmError {
  readonly code = 'payload_too_large';
}

export class TooManyRequestsError extends SecretmError {
  readonly code = 'too_many_requests';
}

/** A vault could not be reached, timed out, or failed in a way the caller cannot fix. */
export class ProviderUnavailableError extends SecretmError {
  readonly code = 'provider_unavailable';
}

/** The audit event could not be written, so the action was refused (fail closed). */
export class AuditUnavailableError extends SecretmError {
  readonly code = 'audit_unavailable';
}
