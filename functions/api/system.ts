/** Health and the OpenAPI document: public, no credentials needed. */
import { z } from 'zod';
import { lazyDependencies } from '../dependencies.ts';
import { createApiHandler } from '../http/api-handler.ts';
import { json, type Route, route } from '../http/route.ts';

const family = 'system' as const;

export const systemRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/v1/health',
    scope: null,
    family,
    operationId: 'health',
    summary: 'Liveness',
    responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
    handler: async () => json(200, { status: 'ok' }),
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

export const handler = createApiHandler(systemRoutes, lazyDependencies());
