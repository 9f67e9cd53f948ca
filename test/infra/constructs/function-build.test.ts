import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteFamily } from '../../../functions/http/route.ts';
import { familyEntries } from '../../../functions/routes.ts';
import { buildFunction, codeFiles } from '../../../infra/constructs/function-build.ts';
import { repoRoot } from '../../../infra/constructs/paths.ts';

/** Code a function must not load at start: the vault SDKs and adapters other than AWS, and PostgreSQL. */
const loadedOnNeed = [
  /node_modules\/@azure\//,
  /node_modules\/pg(-[a-z]+)?\//,
  /shared\/providers\/azure-key-vault\.ts$/,
  /shared\/providers\/hashicorp-vault(-client)?\.ts$/,
];
/** The families whose routes never reach a vault of a connection, nor rotate. */
const withoutVaults: RouteFamily[] = ['system', 'api-keys', 'costs', 'audit'];

function inputsOf(metafile: Metafile, atStart: boolean | 'any'): string[] {
  return codeFiles(metafile)
    .filter((file) => atStart === 'any' || file.atStart === atStart)
    .flatMap((file) => Object.keys(metafile.outputs[file.path]!.inputs));
}

describe('the API functions, built as the stack builds them', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'secretm-function-build-'));
  const builds = new Map<RouteFamily, Metafile>();
  beforeAll(() => {
    for (const [family, entry] of Object.entries(familyEntries) as [RouteFamily, string][]) {
      builds.set(family, buildFunction(path.join(repoRoot, entry), path.join(workDir, family)));
    }
  }, 120_000);
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('load no other vault SDK, no vault adapter but AWS, and no PostgreSQL client when they start', () => {
    for (const [family, metafile] of builds) {
      const loaded = inputsOf(metafile, true).filter((input) => loadedOnNeed.some((re) => re.test(input)));
      expect(loaded, family).toEqual([]);
    }
  });

  it('carry the Azure and Vault adapters in chunks of their own where routes reach connections', () => {
    for (const family of ['secrets', 'connections', 'bindings'] as const) {
      const later = inputsOf(builds.get(family)!, false);
      expect(
        later.some((input) => input.endsWith('shared/providers/azure-key-vault.ts')),
        family,
      ).toBe(true);
      expect(
        later.some((input) => input.endsWith('shared/providers/hashicorp-vault.ts')),
        family,
      ).toBe(true);
    }
  });

  it('carry no vault adapter, SDK or PostgreSQL at all where no route reaches a connection', () => {
    for (const family of withoutVaults) {
      const inputs = inputsOf(builds.get(family)!, 'any');
      expect(
        inputs.filter((input) => loadedOnNeed.some((re) => re.test(input))),
        family,
      ).toEqual([]);
      const services = inputs.filter((input) =>
        [
          'shared/connections/provider-factory.ts',
          'shared/rotation/postgres.ts',
          'shared/rotation/rotation-service.ts',
        ].includes(input),
      );
      expect(services, family).toEqual([]);
    }
  });

  it('import node:http only on the first http: request, never when they start (AWS is reached over https)', () => {
    for (const [family, metafile] of builds) {
      const atStart = codeFiles(metafile).filter((file) => file.atStart);
      const imported = atStart.flatMap((file) =>
        metafile.outputs[file.path]!.imports.filter(
          (item) => item.kind === 'import-statement' && item.path === 'node:http',
        ),
      );
      expect(imported, family).toEqual([]);
    }
  });

  it('keep one copy of zod with only its English messages', () => {
    for (const [family, metafile] of builds) {
      const locales = inputsOf(metafile, 'any').filter((input) => input.includes('zod/v4/locales/'));
      expect(
        locales.map((input) => path.basename(input)),
        family,
      ).toEqual(['en.js']);
    }
  });
});
