/** What both entry points (`secretm`, `secretm/aws`) export besides their functions. */
import './error-names.ts';

export type { ResolvedBinding, ResolvedFile } from '../../../shared/bindings/binding-types.ts';
export {
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
} from '../../../shared/errors.ts';
export type { ReadValue, SecretPayload } from '../../../shared/providers/provider.ts';
export type { LayerClock } from './cache.ts';
export type { LayerStats, MetricsOptions, SecretCounters } from './metrics.ts';
export type { MiddlewareRequest, SecretsMiddleware, SecretsMiddlewareOptions } from './middleware.ts';
export {
  type AzureCredential,
  type ConnectionResolver,
  type GetSecretOptions,
  notCached,
  type PluggedConnection,
  type Secretm,
  type SecretmOptions,
  type SecretRequest,
} from './secretm.ts';
export type { ReadableProvider } from './sources/reader.ts';
export type { Transform } from './transform.ts';
