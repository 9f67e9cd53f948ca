/**
 * The log line a failed scheduled rotation leaves, one per failure: the rotation-failure alarm counts
 * these lines with a metric filter on the worker's log group (infra/constructs/secretm-monitoring.ts).
 * It names the tenant, the secret and the error code, never a value or an error message (messages may
 * quote a database's answer).
 */

/**
 * The term the metric filter matches. Letters, digits and dots only, so it reads the same inside a
 * JSON string, whatever format Lambda wraps the line in.
 */
export const rotationFailedMarker = 'secretm.rotation.failed';

export interface RotationFailure {
  tenant: string;
  name: string;
  code: string;
}

/** The line, as JSON. */
export function rotationFailureLine(failure: RotationFailure, requestId: string): string {
  return JSON.stringify({
    level: 'warn',
    event: rotationFailedMarker,
    requestId,
    tenant: failure.tenant,
    name: failure.name,
    code: failure.code,
  });
}

/** Writes the line (to stderr by default, which Lambda sends to the function's log group). */
export function logRotationFailure(
  failure: RotationFailure,
  requestId: string,
  write: (line: string) => void = (line) => console.warn(line),
): void {
  write(rotationFailureLine(failure, requestId));
}
