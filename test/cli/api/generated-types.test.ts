/**
 * The CLI's types and operation table are generated from the route table's OpenAPI document
 * (cli/api/generate-types.ts); this fails when a route changed and they were not generated again.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generate, generatedFiles } from '../../../cli/api/generate-types.ts';
import { operationRoutes } from '../../../cli/api/operations.ts';
import { routes } from '../../../functions/routes.ts';

describe('the CLI’s view of the API', () => {
  it('is what the route table generates today (run `node cli/api/generate-types.ts` when it is not)', async () => {
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
