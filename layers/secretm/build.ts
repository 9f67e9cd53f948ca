/**
 * Builds the `secretm` Lambda layer: `layers/secretm/dist/nodejs/node_modules/secretm/`, ready to zip
 * (`cd layers/secretm/dist && zip -r ../secretm-layer.zip nodejs`).
 *
 * - esbuild bundles src/index.ts with everything it needs (the shared adapters, the AWS SDK clients),
 *   minified ES modules with code splitting: each vault's code (and the DynamoDB client for secretm
 *   names) is its own chunk, imported on first use, so a function that reads only AWS secrets never
 *   loads Azure's or Vault's code.
 * - The AWS SDK is bundled on purpose: the layer answers for the exact SDK it was tested with, whatever
 *   the Lambda runtime ships.
 * - Types: TypeScript emits declarations of the public API under `types/`, and `index.d.ts` re-exports
 *   them.
 * - `dist/` holds only `nodejs/` (it is the layer's asset as it is); `buildLayer()` answers esbuild's
 *   metafile to callers that want the chunk sizes (the bench).
 * - `--out <dir>` builds into another folder instead (it must be empty or absent; `nodejs/` goes in
 *   it): the CDK app builds the layer this way at every synth (infra/constructs/secretm-layer.ts), so
 *   a deployment ships the layer of the code it was synthesized from.
 *
 * Run with `npm run build:layer` (Node 24 runs this TypeScript file directly).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Metafile } from 'esbuild';
import ts from 'typescript';

const layerDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(layerDir, '..', '..');
export const distDir = join(layerDir, 'dist');
export const packageDir = packageDirIn(distDir);

/** esbuild's ESM output may call `require` for Node built-ins from CommonJS dependencies. */
const requireShim =
  "import { createRequire as __secretmCreateRequire } from 'node:module';\nconst require = __secretmCreateRequire(import.meta.url);";

/** The package folder inside a layer folder: what `import … from 'secretm'` resolves in Lambda. */
export function packageDirIn(layerRoot: string): string {
  return join(layerRoot, 'nodejs', 'node_modules', 'secretm');
}

export async function buildLayer(
  options: { outDir?: string } = {},
): Promise<{ packageDir: string; metafile: Metafile }> {
  // Only the default folder is emptied first: another one is the caller's (CDK's bundling folder).
  if (options.outDir === undefined) await rm(distDir, { recursive: true, force: true });
  const target = packageDirIn(options.outDir ?? distDir);
  await mkdir(target, { recursive: true });

  const result = await build({
    entryPoints: { index: join(layerDir, 'src', 'index.ts'), aws: join(layerDir, 'src', 'aws-only.ts') },
    outdir: target,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    mainFields: ['module', 'main'],
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: requireShim },
    metafile: true,
    logLevel: 'warning',
  });

  emitDeclarations(join(target, 'types'));
  for (const [entry, source] of [
    ['index', 'index'],
    ['aws', 'aws-only'],
  ] as const) {
    const types = relative(target, join(target, 'types', 'layers', 'secretm', 'src', `${source}.js`));
    await writeFile(join(target, `${entry}.d.ts`), `export * from './${types.split('\\').join('/')}';\n`);
  }

  const source = JSON.parse(await readFile(join(layerDir, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const manifest = {
    name: source.name,
    version: source.version,
    description: source.description,
    license: source.license,
    type: 'module',
    engines: source.engines,
    main: './index.js',
    types: './index.d.ts',
    exports: {
      '.': { types: './index.d.ts', default: './index.js' },
      './aws': { types: './aws.d.ts', default: './aws.js' },
    },
  };
  await writeFile(join(target, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { packageDir: target, metafile: result.metafile };
}

function emitDeclarations(outDir: string): void {
  const program = ts.createProgram(
    [join(layerDir, 'src', 'index.ts'), join(layerDir, 'src', 'aws-only.ts')],
    {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2024.d.ts'],
      types: ['node'],
      strict: true,
      skipLibCheck: true,
      declaration: true,
      emitDeclarationOnly: true,
      allowImportingTsExtensions: true,
      rewriteRelativeImportExtensions: true,
      verbatimModuleSyntax: true,
      rootDir: repoRoot,
      outDir,
    },
  );
  // Declarations keep the sources' `.ts` specifiers; a consumer resolves the emitted `.d.ts` through `.js`.
  const emitted = program.emit(undefined, (fileName, text) => {
    ts.sys.writeFile(
      fileName,
      text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2'),
    );
  });
  const problems = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].filter(
    (diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error,
  );
  if (problems.length > 0) {
    const host = {
      getCanonicalFileName: (name: string) => name,
      getCurrentDirectory: () => repoRoot,
      getNewLine: () => '\n',
    };
    throw new Error(`the layer's declarations did not compile:\n${ts.formatDiagnostics(problems, host)}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const { packageDir: built } = await buildLayer(values.out ? { outDir: resolve(values.out) } : {});
  const shown = relative(repoRoot, built);
  process.stdout.write(`secretm layer built in ${shown.startsWith('..') ? built : shown}\n`);
}
