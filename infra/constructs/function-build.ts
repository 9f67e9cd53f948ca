/**
 * How a secretm function's code is built (the stack's functions at synth, and bench/api-bundles.ts,
 * which measures exactly this): esbuild bundles the handler module with every dependency, the AWS SDK
 * included, into minified ES modules for Node 24 with a source map, and splits the code: `index.mjs`
 * holds what the function loads when it starts, and each module it imports with `import()` (a vault's
 * adapter and SDK, the PostgreSQL client, the OpenAPI document) is a chunk under `chunks/`, loaded the
 * first time it is needed. A function that only ever meets AWS connections never loads Azure's code.
 *
 * CDK's NodejsFunction cannot do this: it always passes esbuild `--outfile`, and esbuild splits only
 * into an `--outdir`.
 */
import { type BuildOptions, buildSync, type Metafile } from 'esbuild';

/** CommonJS dependencies bundled into ESM still call require() for Node built-ins: every file gets one. */
export const requireBanner =
  "import{createRequire as __secretmCreateRequire}from'node:module';const require=__secretmCreateRequire(import.meta.url);";

/** The esbuild options of a function's build into `outdir`; `entry` exports `handler`. */
export function functionBuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: { index: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    // Prefer the ESM builds of dependencies, so esbuild can tree-shake them.
    mainFields: ['module', 'main'],
    banner: { js: requireBanner },
    metafile: true,
    logLevel: 'warning',
  };
}

/** Builds the function whose handler module is `entry` into `outdir`; throws when esbuild fails. */
export function buildFunction(entry: string, outdir: string): Metafile {
  return buildSync(functionBuildOptions(entry, outdir)).metafile!;
}

/** A build's code files (no source maps), and which of them a function loads when it starts. */
export function codeFiles(metafile: Metafile): { path: string; bytes: number; atStart: boolean }[] {
  const outputs = metafile.outputs;
  // Every module imported with import() is an entry point of its own chunk; the function's is index.mjs.
  const entry = Object.keys(outputs).find((file) => /(^|\/)index\.mjs$/.test(file));
  const atStart = new Set<string>();
  const pending = entry ? [entry] : [];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (atStart.has(file)) continue;
    atStart.add(file);
    for (const imported of outputs[file]!.imports) {
      if (imported.kind === 'import-statement' && outputs[imported.path]) pending.push(imported.path);
    }
  }
  return Object.entries(outputs)
    .filter(([file]) => !file.endsWith('.map'))
    .map(([file, output]) => ({ path: file, bytes: output.bytes, atStart: atStart.has(file) }));
}
