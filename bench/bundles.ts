/**
 * The bench's minimal handlers as Lambda would run them: bundled by esbuild (every dependency, the AWS
 * SDK included, minified ESM with code splitting), started in a fresh `node` (cold-child.ts), and the
 * bundle files a first read actually loaded, with what they hold by package (from esbuild's metafile).
 * Used by run.ts (`npm run bench`) and weight.ts (its quick "loaded for a read" figure alone).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';

const execFileAsync = promisify(execFile);
const benchDir = dirname(fileURLToPath(import.meta.url));

export interface BundleFile {
  path: string;
  bytes: number;
  gzip: number;
}

export interface Bundle {
  option: string;
  entry: string;
  outdir: string;
  entryFile: string;
  files: BundleFile[];
  metafile: Metafile;
}

/** Bundles `bench/handlers/<handler>` into a folder of `workDir` named after `option`. */
export async function bundle(workDir: string, option: string, handler: string): Promise<Bundle> {
  const outdir = join(workDir, option.replace(/[^a-z0-9]+/gi, '-'));
  const result = await build({
    entryPoints: { handler: join(benchDir, 'handlers', handler) },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    mainFields: ['module', 'main'],
    outExtension: { '.js': '.mjs' },
    banner: {
      js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'error',
  });
  const files = await Promise.all(
    Object.keys(result.metafile.outputs).map(async (path) => {
      const absolute = join(process.cwd(), path);
      const content = await readFile(absolute);
      return { path: absolute, bytes: content.byteLength, gzip: gzipSync(content, { level: 9 }).byteLength };
    }),
  );
  return {
    option,
    entry: handler,
    outdir,
    entryFile: join(outdir, 'handler.mjs'),
    files,
    metafile: result.metafile,
  };
}

export interface ColdRun {
  importMs: number;
  firstReadMs: number;
  totalMs: number;
  sinceProcessStartMs: number;
  error?: string;
  loaded: string[];
}

/** One cold start of a bundled handler in a fresh `node` with exactly `env`; `trace` lists the files it loaded. */
export async function coldStart(
  entryFile: string,
  env: Record<string, string>,
  trace = false,
): Promise<ColdRun> {
  const { stdout } = await execFileAsync(
    process.execPath,
    [join(benchDir, 'cold-child.ts'), entryFile, ...(trace ? ['--trace-loads'] : [])],
    { env },
  );
  return JSON.parse(stdout) as ColdRun;
}

/** The files of `built` that a traced cold start loaded. */
export function loadedFiles(built: Bundle, traced: ColdRun): BundleFile[] {
  const loadedPaths = new Set(traced.loaded.map((url) => fileURLToPath(url)));
  return built.files.filter((file) => loadedPaths.has(file.path));
}

/**
 * What the loaded files hold, in minified bytes per source: a package (`zod`, `@smithy/core`) or the
 * repository's own top folder (`layers/secretm`, `shared/providers`), largest first.
 */
export function loadedBySource(built: Bundle, loaded: BundleFile[]): { source: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const file of loaded) {
    const output = Object.entries(built.metafile.outputs).find(
      ([path]) => join(process.cwd(), path) === file.path,
    )?.[1];
    for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
      const source =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(0, 2).join('/');
      totals.set(source, (totals.get(source) ?? 0) + bytesInOutput);
    }
  }
  return [...totals]
    .map(([source, bytes]) => ({ source, bytes }))
    .filter((item) => item.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
}
