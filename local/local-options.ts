/**
 * `npm start`'s settings, read from the environment once and checked before anything starts, so a
 * mistake costs a second and one line, not a DynamoDB Local start and a stack trace. Never echoes a key.
 *
 *   PORT                        the API's port on 127.0.0.1 (default 8765; 0 picks a free one)
 *   SECRETM_DATA_DIR            the data folder (default ./.secretm)
 *   SECRETM_BOOTSTRAP_API_KEY   the operator key (20 characters or more), instead of a generated one
 *   SECRETM_DYNAMODB_PORT       DynamoDB Local's port on 127.0.0.1 (default: a free one on each start)
 *   SECRETM_PRICES              changes to the price table of cost reports (JSON)
 */
import { LocalModeError } from './local-mode-error.ts';

export interface StartSettings {
  port: number;
  dataDir: string;
  bootstrapKey?: string;
  dynamodbPort?: number;
  prices?: string;
}

/** What ensureOperatorKey (shared/auth/operator-key.ts) accepts at the least. */
export const bootstrapKeyMinimumLength = 20;

export function settingsFromEnv(env: Record<string, string | undefined>): StartSettings {
  const bootstrapKey = env.SECRETM_BOOTSTRAP_API_KEY || undefined;
  const dynamodbPort = env.SECRETM_DYNAMODB_PORT || undefined;
  const settings: StartSettings = {
    port: portNumber('PORT', env.PORT || '8765', 0),
    dataDir: env.SECRETM_DATA_DIR || '.secretm',
    ...(bootstrapKey === undefined ? {} : { bootstrapKey }),
    ...(dynamodbPort === undefined
      ? {}
      : { dynamodbPort: portNumber('SECRETM_DYNAMODB_PORT', dynamodbPort, 1) }),
    ...(env.SECRETM_PRICES ? { prices: env.SECRETM_PRICES } : {}),
  };
  checkBootstrapKey(settings.bootstrapKey);
  return settings;
}

/** A preset operator key must be long enough; says how long it is, never what it is. */
export function checkBootstrapKey(key: string | undefined): void {
  if (key === undefined || key.length >= bootstrapKeyMinimumLength) return;
  throw new LocalModeError(
    `SECRETM_BOOTSTRAP_API_KEY must be at least ${bootstrapKeyMinimumLength} characters (it has ${key.length}); choose a longer one, or unset it to have one generated`,
  );
}

/** A port number from `lowest` to 65535. */
export function checkPort(variable: string, port: number, lowest: number): number {
  if (Number.isSafeInteger(port) && port >= lowest && port <= 65_535) return port;
  throw new LocalModeError(
    `${variable} must be a port number from ${lowest} to 65535${lowest === 0 ? ' (0 picks a free one)' : ''}`,
  );
}

function portNumber(variable: string, text: string, lowest: number): number {
  if (!/^\d{1,5}$/.test(text)) {
    throw new LocalModeError(
      `${variable} must be a port number from ${lowest} to 65535${lowest === 0 ? ' (0 picks a free one)' : ''}; it is ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return checkPort(variable, Number(text), lowest);
}
