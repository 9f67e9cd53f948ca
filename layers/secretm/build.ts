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
 *
 * Run with `npm run build:layer` (Node 24 runs this TypeScript file directly).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import ts from 'typescript';

const layerDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(layerDir, '..', '..');
export const distDir = join(layerDir, 'dist');
export const packageDir = join(distDir, 'nodejs', 'node_modules', 'secretm');

/** esbuild's ESM output may call `require` for Node built-ins from CommonJS dependencies. */
const requireShim =
  "import { createRequire as __secretmCreateRequire } from 'node:module';\nconst require = __secretmCreateRequire(import.meta.url);";

export async function buildLayer(): Promise<{ packageDir: string; metafile: Metafile }> {
  await rm(distDir, { recursive: true, force: true });
  await mkdir(packageDir, { recursive: true });

  const result = await build({
    entryPoints: { index: join(layerDir, 'src', 'index.ts'), aws: join(layerDir, 'src', 'aws-only.ts') },
    outdir: packageDir,
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

  emitDeclarations(join(packageDir, 'types'));
  for (const [entry, source] of [
    ['index', 'index'],
    ['aws', 'aws-only'],
  ] as const) {
    const types = relative(packageDir, join(packageDir, 'types', 'layers', 'secretm', 'src', `${source}.js`));
    await writeFile(join(packageDir, `${entry}.d.ts`), `export * from './${types.split('\\').join('/')}';\n`);
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
  await writeFile(join(packageDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { packageDir, metafile: result.metafile };
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
  const { packageDir: built } = await buildLayer();
  process.stdout.write(`secretm layer built in ${relative(repoRoot, built)}\n`);
}
