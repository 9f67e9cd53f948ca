/** Why local mode will not start, in one line that says what to do; `npm start` prints it without a stack. */
export class LocalModeError extends Error {
  override readonly name = 'LocalModeError';
}
