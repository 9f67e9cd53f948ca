/** The exit code a command asks for besides success and errors (`secretm run` passes its command's on). */
let requested: number | undefined;

export function setExitCode(code: number): void {
  requested = code;
}

export function requestedExitCode(): number | undefined {
  return requested;
}
