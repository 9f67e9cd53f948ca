/**
 * Builds the console: Vite's build (console/vite.config.ts) into a folder, then, beside each text file
 * of 1 KiB or more under assets/, the same file compressed with brotli (`.br`, quality 11) and gzip
 * (`.gz`, level 9), so the servers answer compressed without compressing on a request
 * (functions/console/console-site.ts).
 *   node console/tools/build.ts               # into console/dist (npm run build:console)
 *   node console/tools/build.ts --out DIR     # elsewhere (the CDK bundling of the console function)
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'vite';

const consoleDir = fileURLToPath(new URL('..', import.meta.url));
export const defaultOutDir = join(consoleDir, 'dist');

const compressible = new Set(['.js', '.css', '.html', '.svg']);
const minBytes = 1024;

export async function buildConsole(outDir: string = defaultOutDir): Promise<void> {
  await build({
    configFile: join(consoleDir, 'vite.config.ts'),
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
  await precompress(join(outDir, 'assets'));
}

export async function precompress(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!compressible.has(extname(name))) continue;
    const body = await readFile(join(dir, name));
    if (body.length < minBytes) continue;
    const br = brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    });
    const gz = gzipSync(body, { level: 9 });
    // A compressed form that saves nothing is not written; the file is then always sent as it is.
    if (br.length < body.length) await writeFile(join(dir, `${name}.br`), br);
    if (gz.length < body.length) await writeFile(join(dir, `${name}.gz`), gz);
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  await buildConsole(values.out ? resolve(values.out) : defaultOutDir);
}
