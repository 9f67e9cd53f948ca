/**
 * package.json and package-lock.json: the code that runs (the functions, the layer, the shared domain,
 * local mode) imports only what `dependencies` declares, `dependencies` holds nothing it never
 * imports, every version is pinned, and the lock file is one `npm ci` accepts, so CI installs exactly
 * what was tested (.ci/run).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

interface Manifest {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
interface LockEntry {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const manifest = JSON.parse(read('package.json')) as Manifest;
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, LockEntry> };

/** What runs in Lambda or in `npm start`: the rest (infra, tests, the bench, scripts) is development. */
const runtimeFolders = ['functions', 'shared', 'layers/secretm/src', 'local'];

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(repoRoot, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => path.join(folder, file));
}

/**
 * The packages a file names: `loads`, those it loads when it runs (static and dynamic imports and
 * re-exports; `import { type X }` still loads the module), and `types`, those only `import type` names
 * (erased when it runs). `@scope/name/sub` → `@scope/name`.
 */
function packagesOf(file: string): { loads: string[]; types: string[] } {
  const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.ES2022, true);
  const specifiers: string[] = [];
  const typeSpecifiers: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      (node.importClause?.isTypeOnly ? typeSpecifiers : specifiers).push(
        (node.moduleSpecifier as ts.StringLiteral).text,
      );
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      (node.isTypeOnly ? typeSpecifiers : specifiers).push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      specifiers.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const packages = (names: string[]) =>
    names
      .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'))
      .filter((specifier) => !builtinModules.includes(specifier.split('/')[0]!))
      .map((specifier) =>
        specifier
          .split('/')
          .slice(0, specifier.startsWith('@') ? 2 : 1)
          .join('/'),
      );
  return { loads: packages(specifiers), types: packages(typeSpecifiers) };
}

/** Package → the runtime files that load it; and the packages they name for types only. */
const importedBy = new Map<string, string[]>();
const typesFrom = new Set<string>();
for (const file of runtimeFolders.flatMap(sourceFiles)) {
  const { loads, types } = packagesOf(file);
  for (const name of loads) importedBy.set(name, [...(importedBy.get(name) ?? []), file]);
  for (const name of types) typesFrom.add(name);
}

describe('package.json', () => {
  it('declares every package the running code imports as a dependency, not only a dev dependency', () => {
    const undeclared = [...importedBy.keys()]
      .filter((name) => !(name in manifest.dependencies))
      .map((name) => `${name} (imported by ${importedBy.get(name)!.join(', ')})`);

    expect(undeclared).toEqual([]);
  });

  it('declares no dependency that the running code never imports', () => {
    // A package named for types only (`import type`) is imported too: its types are part of the API.
    const unused = Object.keys(manifest.dependencies).filter(
      (name) => !importedBy.has(name) && !typesFrom.has(name),
    );

    expect(unused).toEqual([]);
  });

  it('pins every version exactly', () => {
    const ranges = Object.entries({ ...manifest.dependencies, ...manifest.devDependencies }).filter(
      ([, version]) => !/^\d+\.\d+\.\d+$/.test(version),
    );

    expect(ranges).toEqual([]);
  });
});

describe('package-lock.json', () => {
  /** Where Node (and npm) find `name` from the package at `from`: nested first, then each folder up. */
  function resolve(from: string, name: string): string | undefined {
    let base = from;
    for (;;) {
      const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
      if (lock.packages[candidate]) return candidate;
      if (base === '') return undefined;
      const parent = base.lastIndexOf('/node_modules/');
      base = parent === -1 ? '' : base.slice(0, parent);
    }
  }

  it('records package.json’s dependencies at the versions package.json pins (npm ci compares them)', () => {
    const root = lock.packages['']!;

    expect(root.dependencies).toEqual(manifest.dependencies);
    expect(root.devDependencies).toEqual(manifest.devDependencies);
    for (const [name, version] of Object.entries({ ...manifest.dependencies, ...manifest.devDependencies })) {
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(version);
    }
  });

  it('lists every package a locked package depends on, optional platform packages included', () => {
    // npm ci refuses a lock that lacks one (`Missing: @biomejs/cli-darwin-arm64@2.6.8 from lock file`),
    // even one it would not install on this platform; npm install would quietly fetch it instead.
    const missing = Object.entries(lock.packages).flatMap(([at, entry]) =>
      Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })
        .filter((name) => resolve(at, name) === undefined)
        .map((name) => `${name} (needed by ${at || 'the root'})`),
    );

    expect(missing).toEqual([]);
  });
});

describe('.ci/run', () => {
  it('installs with npm ci, exactly what the lock file says', () => {
    const commands = read('.ci/run')
      .split('\n')
      .filter((line) => /^\s*npm /.test(line));

    expect(commands[0]).toMatch(/^npm ci\b/);
    expect(commands.some((line) => /^\s*npm (install|i)\b/.test(line))).toBe(false);
  });
});
