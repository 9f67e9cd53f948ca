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

/** The module under functions/api/ whose `handler` serves each family. */
export const familyEntries: Record<RouteFamily, string> = {
  system: 'functions/api/system.ts',
  secrets: 'functions/api/secrets.ts',
  connections: 'functions/api/connections.ts',
  bindings: 'functions/api/bindings.ts',
  'api-keys': 'functions/api/api-keys.ts',
  costs: 'functions/api/costs.ts',
  audit: 'functions/api/audit.ts',
};
