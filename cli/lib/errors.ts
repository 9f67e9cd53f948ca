/**
 * The CLI's errors and the exit codes scripts rely on (docs/cli.md): 1 usage (and anything else that
 * failed), 2 not found, 3 forbidden (or a key that was refused), 4 conflict, 5 unavailable. `secretm run`
 * exits with its command's code instead.
 */
export const exitCodes = { ok: 0, usage: 1, notFound: 2, forbidden: 3, conflict: 4, unavailable: 5 } as const;
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

export interface ApiErrorFacts {
  status: number;
  code: string;
  requestId?: string;
}

export class CliError extends Error {
  readonly exitCode: number;
  /** What to do next, printed under the message. */
  readonly hint: string | undefined;
  /** Present when the API answered the error. */
  readonly api: ApiErrorFacts | undefined;

  constructor(message: string, exitCode: number = exitCodes.usage, hint?: string, api?: ApiErrorFacts) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.hint = hint;
    this.api = api;
  }
}

/** A wrong invocation: a missing argument, a malformed option, a file that is not there. */
export const usageError = (message: string, hint?: string) => new CliError(message, exitCodes.usage, hint);

export function exitCodeForStatus(status: number): number {
  if (status === 404) return exitCodes.notFound;
  if (status === 401 || status === 403) return exitCodes.forbidden;
  if (status === 409 || status === 412) return exitCodes.conflict;
  if (status === 429 || status >= 500) return exitCodes.unavailable;
  return exitCodes.usage;
}

/** What to do next after an API error, where there is something better to say than the message. */
export function hintForStatus(status: number, code: string): string | undefined {
  if (status === 401)
    return 'check the key: `secretm login` stores a new one, `secretm whoami` shows the one in use';
  if (status === 403)
    return 'this key lacks what the action needs; an admin can make one with `secretm keys create`';
  if (status === 412) return 'the secret changed since that version; read it again (`secretm get`) and retry';
  if (status === 429 || status === 503) return 'retry in a moment';
  if (status === 500) return 'quote the request id when reporting it';
  if (code === 'payload_too_large') return 'values are limited to 64 KiB';
  return undefined;
}
