/**
 * The API's types (imported by the CLI and the console) and the CLI's operation table are generated from
 * the route table's OpenAPI document (scripts/generate-api-types.ts); this fails when a route
 * changed and they were not generated again.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { operationRoutes } from '../../cli/api/operations.ts';
import { routes } from '../../functions/routes.ts';
import { generate, generatedFiles } from '../../scripts/generate-api-types.ts';

describe('the API’s generated types', () => {
  it('is what the route table generates today (run `node scripts/generate-api-types.ts` when it is not)', async () => {
    const fresh = await generate();
    expect(await readFile(generatedFiles.types, 'utf8')).toBe(fresh.types);
    expect(await readFile(generatedFiles.operations, 'utf8')).toBe(fresh.operations);
  });

  it('names every route of the route table by its operationId, with its method and path', () => {
    expect(Object.keys(operationRoutes).sort()).toEqual(routes.map((route) => route.operationId).sort());
    for (const route of routes) {
      expect(operationRoutes[route.operationId as keyof typeof operationRoutes]).toEqual({
        method: route.method,
        path: route.path,
      });
    }
  });
});
