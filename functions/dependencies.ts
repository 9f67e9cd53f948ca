/**
 * Everything the API handlers need, every service of every family: local mode's graph, the scheduled
 * functions', and what tests build against DynamoDB Local. The API functions in AWS build only their
 * family's services instead (functions/handlers/), on the same core (functions/services/deployment.ts).
 */
import type { Config } from '../shared/config.ts';
import { allServices } from './services/all.ts';
import { createDeployment, lazyDeployment } from './services/deployment.ts';
import type { Dependencies, DependencyOverrides } from './services/tenant-context.ts';

export type {
  ApiDependencies,
  ApiServices,
  Dependencies,
  DependencyOverrides,
  TenantBase,
  TenantDependencies,
} from './services/tenant-context.ts';

export function createDependencies(
  config: Readonly<Config>,
  overrides: DependencyOverrides = {},
): Dependencies {
  return createDeployment(config, overrides, allServices);
}

/**
 * The Lambda way: configuration from the environment, read once, on first use; in AWS the operator
 * key is installed before the first request is served. A failed start is not kept, so the next
 * request tries again.
 */
export function lazyDependencies(): () => Promise<Dependencies> {
  return lazyDeployment(allServices);
}
