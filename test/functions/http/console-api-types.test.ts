/** The console's API types are generated from the current route table: a route change regenerates them. */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { apiTypes } from '../../../console/tools/api-types.ts';

describe('the console’s API types', () => {
  it('match the OpenAPI document of the route table (run `node console/tools/api-types.ts` when not)', async () => {
    const committed = await readFile(
      new URL('../../../console/src/api/schema.d.ts', import.meta.url),
      'utf8',
    );
    expect(committed).toBe(await apiTypes());
  });
});
