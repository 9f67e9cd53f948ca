/**
 * The route table: every HTTP route of secretm, once. CDK builds API Gateway routes and one Lambda
 * function per family from it, the local server dispatches from it, and the OpenAPI document is
 * generated from it, so they cannot drift.
 */
import { apiKeyRoutes } from './api/api-keys.ts';
import { auditRoutes } from './api/audit.ts';
import { bindingRoutes } from './api/bindings.ts';
import { connectionRoutes } from './api/connections.ts';
import { costRoutes } from './api/costs.ts';
import { secretRoutes } from './api/secrets.ts';
import { systemRoutes } from './api/system.ts';
import type { Route, RouteFamily } from './http/route.ts';

export const routes: Route[] = [
  ...systemRoutes,
  ...secretRoutes,
  ...connectionRoutes,
  ...bindingRoutes,
  ...apiKeyRoutes,
  ...costRoutes,
  ...auditRoutes,
];

/**
 * The module whose `handler` serves each family (functions/handlers/): it builds only the services its
 * routes use, so its bundle carries only their code.
 */
export const familyEntries: Record<RouteFamily, string> = {
  system: 'functions/handlers/system.ts',
  secrets: 'functions/handlers/secrets.ts',
  connections: 'functions/handlers/connections.ts',
  bindings: 'functions/handlers/bindings.ts',
  'api-keys': 'functions/handlers/api-keys.ts',
  costs: 'functions/handlers/costs.ts',
  audit: 'functions/handlers/audit.ts',
};
