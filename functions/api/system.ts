/**
 * Health and the OpenAPI document: public, no credentials needed. `/v1/health` is liveness (the
 * function answers; it checks nothing else); `/v1/health/ready` is readiness (the store answers too).
 */
import * as z from 'zod';
import type { StoreReadiness } from '../../shared/store/store-readiness.ts';
import { json, type Route, routesOf } from '../http/route.ts';
import type { FamilyDependencies } from '../services/tenant-context.ts';

const family = 'system' as const;
/** What the system family's handlers get (functions/handlers/system.ts builds it). */
export type SystemDependencies = FamilyDependencies<never>;
const route = routesOf<SystemDependencies>();

export const systemRoutes: Route<unknown, unknown, unknown, SystemDependencies>[] = [
  route({
    method: 'GET',
    path: '/v1/health',
    scope: null,
    family,
    operationId: 'health',
    summary: 'Liveness: the API answers (nothing else is checked; see /v1/health/ready)',
    responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
    handler: async () => json(200, { status: 'ok' }),
  }),
  route({
    method: 'GET',
    path: '/v1/health/ready',
    scope: null,
    family,
    operationId: 'ready',
    summary: 'Readiness: the API answers and its store (the DynamoDB table) can serve',
    responses: {
      200: { description: 'Ready', schema: z.object({ status: z.literal('ready') }) },
      503: {
        description: 'Not ready, and why (no names, endpoints or keys)',
        schema: z.object({ status: z.literal('not_ready'), reason: z.string() }),
      },
    },
    handler: async ({ storeReadiness }) => {
      const store = await storeReadiness().catch(
        (): StoreReadiness => ({ ready: false, reason: 'secretm could not build its store client' }),
      );
      const headers = { 'cache-control': 'no-store' };
      return store.ready
        ? json(200, { status: 'ready' }, headers)
        : json(503, { status: 'not_ready', reason: store.reason }, headers);
    },
  }),
  route({
    method: 'GET',
    path: '/v1/openapi.json',
    scope: null,
    family,
    operationId: 'openapi',
    summary: 'This API’s OpenAPI 3.1 document, generated from the route table',
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
    handler: async () => {
      // Imported on use: the document describes every route, including this one.
      const { openApiDocument } = await import('../http/openapi.ts');
      const { routes } = await import('../routes.ts');
      return json(200, openApiDocument(routes), { 'cache-control': 'public, max-age=300' });
    },
  }),
];
