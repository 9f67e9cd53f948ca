/**
 * Builds the `secretm` CLI for publishing: esbuild bundles cli/secretm.ts and everything it imports
 * into `dist/cli/` (ES modules, a chunk per command, loaded when that command runs), with a
 * package.json that has no dependencies, so `npm i -g` of the packed tarball needs nothing else. The
 * package is `secretm-cli` (the name `secretm` is the layer's); its executable is `secretm`.
 *
 *   npm run pack:cli      (builds, then `npm pack` → dist/secretm-cli-<version>.tgz)
 */
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const cliDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(cliDir, '..');

/** esbuild's ESM output may call `require` for Node built-ins from CommonJS dependencies (dotenv). */
const requireShim =
  "import { createRequire as __secretmCreateRequire } from 'node:module';\nconst require = __secretmCreateRequire(import.meta.url);";

export async function buildCli(outDir = join(repoRoot, 'dist', 'cli')): Promise<string> {
  const root = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
    version: string;
    license: string;
  };
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { secretm: join(cliDir, 'secretm.ts') },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    // The entry keeps its own #! line (esbuild preserves it); the banner follows it.
    banner: { js: requireShim },
    define: { __SECRETM_VERSION__: JSON.stringify(root.version) },
    logLevel: 'warning',
  });
  await chmod(join(outDir, 'secretm.mjs'), 0o755);
  const manifest = {
    name: 'secretm-cli',
    version: root.version,
    description: 'The secretm command line: read, write and import secrets, and run commands with them.',
    license: root.license,
    type: 'module',
    bin: { secretm: './secretm.mjs' },
    engines: { node: '>=22.12' },
  };
  await writeFile(join(outDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await copyFile(join(repoRoot, 'docs', 'cli.md'), join(outDir, 'README.md'));
  return outDir;
}

/** `npm pack` of the built folder: the tarball's path. */
export async function packCli(outDir: string, destination: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    'npm',
    ['pack', outDir, '--pack-destination', destination, '--json'],
    {
      cwd: repoRoot,
    },
  );
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  return join(destination, packed!.filename);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = await buildCli();
  const tarball = await packCli(outDir, join(repoRoot, 'dist'));
  process.stdout.write(`${tarball}\n`);
}
