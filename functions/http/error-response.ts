/** The one place where typed errors become HTTP status codes. */
import {
  AuditUnavailableError,
  ConflictError,
  ForbiddenError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  ProviderUnavailableError,
  type SecretmError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from '../../shared/errors.ts';

const statusByClass: [abstract new (...args: never[]) => SecretmError, number][] = [
  [ValidationError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [MethodNotAllowedError, 405],
  [ConflictError, 409],
  [PreconditionFailedError, 412],
  [PayloadTooLargeError, 413],
  [UnprocessableError, 422],
  [TooManyRequestsError, 429],
  [ProviderUnavailableError, 503],
  [AuditUnavailableError, 503],
];

export interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: { path: string; message: string }[] };
}

/**
 * Status, body and headers for any thrown value. Unknown errors become a 500 that says nothing of
 * their insides.
 */
export function errorResponse(
  error: unknown,
  requestId: string,
): { statusCode: number; body: ErrorBody; headers?: Record<string, string> } {
  for (const [errorClass, statusCode] of statusByClass) {
    if (error instanceof errorClass) {
      return {
        statusCode,
        ...(error instanceof MethodNotAllowedError ? { headers: { allow: error.allow.join(', ') } } : {}),
        body: {
          error: {
            code: error.code,
            message: error.message,
            requestId,
            ...(error.details ? { details: error.details } : {}),
          },
        },
      };
    }
  }
  return {
    statusCode: 500,
    body: {
      error: {
        code: 'internal_error',
        message: 'internal error; quote the request id when reporting it',
        requestId,
      },
    },
  };
}

/**
 * What may be logged of an unexpected error: its class and where it was thrown. Not its message,
 * which could carry a value from a vault or a request.
 */
export function loggableError(error: unknown): { name: string; at?: string[] } {
  if (!(error instanceof Error)) return { name: typeof error };
  const at = error.stack
    ?.split('\n')
    .slice(1, 8)
    .map((line) => line.trim());
  return { name: error.name, ...(at ? { at } : {}) };
}
