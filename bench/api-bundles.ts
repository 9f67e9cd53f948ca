/**
 * The API functions' bundles and their cold import, against a minimal handler that imports only
 * `@aws-sdk/client-secrets-manager`: each family entry (functions/routes.ts) built by esbuild as the
 * CDK stack builds it (one ESM file, minified, node24, every dependency bundled), then imported by a
 * fresh `node` (bench/import-child.ts), median of `coldRuns`. `npm run bench:api` reports these beside
 * the HTTP figures; run alone, it builds and measures the bundles only and prints their table:
 *
 *   node bench/api-bundles.ts            (9 cold imports each)
 *   node bench/api-bundles.ts --quick    (3)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BuildOptions, build } from 'esbuild';
import { familyEntries } from '../functions/routes.ts';
import { median } from './measure.ts';

const execFileAsync = promisify(execFile);
const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(benchDir, '..');

/** The options infra/constructs/secretm-function.ts gives NodejsFunction's esbuild. */
const bundleOptions: BuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  mainFields: ['module', 'main'],
  banner: {
    js: "import{createRequire as __secretmCreateRequire}from'node:module';const require=__secretmCreateRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'error',
};

export interface BundleFigures {
  label: string;
  bytes: number;
  /** The largest packages in the bundle, by their share of its bytes. */
  top: { name: string; share: number }[];
  importMs: number;
}

function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return 'secretm';
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

async function bundleOf(
  workDir: string,
  label: string,
  entry: string,
): Promise<Omit<BundleFigures, 'importMs'> & { file: string }> {
  const file = join(workDir, `${label.replace(/[^a-z0-9]+/gi, '-')}.mjs`);
  const result = await build({ ...bundleOptions, entryPoints: [entry], outfile: file });
  const output = Object.values(result.metafile!.outputs)[0]!;
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  const top = [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, bytes]) => ({ name, share: bytes / output.bytes }));
  return { label, file, bytes: output.bytes, top };
}

async function coldImport(file: string): Promise<number> {
  const { stdout } = await execFileAsync(process.execPath, [join(benchDir, 'import-child.ts'), file], {
    env: { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'us-east-1' },
  });
  return (JSON.parse(stdout) as { importMs: number }).importMs;
}

/** The minimal handler first, then each API family; cold imports interleaved, after one warm-up each. */
export async function measureBundles(options: {
  coldRuns: number;
  log: (message: string) => void;
}): Promise<BundleFigures[]> {
  const workDir = await mkdtemp(join(tmpdir(), 'secretm-bench-bundles-'));
  try {
    options.log('bundles');
    const built = [
      await bundleOf(
        workDir,
        'minimal handler (client-secrets-manager only)',
        join(benchDir, 'handlers', 'raw.ts'),
      ),
    ];
    for (const [family, entry] of Object.entries(familyEntries))
      built.push(await bundleOf(workDir, family, join(repoRoot, entry)));
    options.log('cold imports');
    for (const item of built) await coldImport(item.file); // the file-system cache, warm
    const times = new Map<string, number[]>(built.map((item) => [item.label, []]));
    for (let i = 0; i < options.coldRuns; i++) {
      for (const item of built) times.get(item.label)!.push(await coldImport(item.file));
    }
    return built.map(({ file: _file, ...item }) => ({ ...item, importMs: median(times.get(item.label)!) }));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

/** The goals' rows: the largest bundle and the slowest cold import, each against the minimal handler. */
export function bundleGoals(built: BundleFigures[]): string[][] {
  const minimal = built[0]!;
  const api = built.slice(1);
  const maxBytes = Math.max(...api.map((item) => item.bytes));
  const maxImport = Math.max(...api.map((item) => item.importMs));
  return [
    [
      'largest API function bundle vs the minimal handler',
      `${kb(maxBytes)} vs ${kb(minimal.bytes)} (${(maxBytes / minimal.bytes).toFixed(1)}×)`,
      maxBytes <= 2 * minimal.bytes ? '≤ 2×: met' : '≤ 2×: **missed**',
    ],
    [
      'slowest API function cold import vs the minimal handler',
      `${ms(maxImport)} vs ${ms(minimal.importMs)} ms (${(maxImport / minimal.importMs).toFixed(2)}×)`,
      maxImport <= 1.3 * minimal.importMs ? '≤ 1.3×: met' : '≤ 1.3×: **missed**',
    ],
  ];
}

/** The bundle table (Markdown lines). */
export function bundleTable(built: BundleFigures[], coldRuns: number): string[] {
  const minimal = built[0]!;
  const lines = [
    `esbuild as the stack builds them (ESM, minified, node24, every dependency bundled). Cold import: a fresh \`node\` imports the bundle (bench/import-child.ts), median of ${coldRuns}.`,
    '',
    '| function | minified | × minimal | largest parts | cold import (ms) | × minimal |',
    '|---|---|---|---|---|---|',
  ];
  for (const item of built) {
    const cells = [
      item.label,
      kb(item.bytes),
      (item.bytes / minimal.bytes).toFixed(1),
      item.top.map((part) => `${part.name} ${(part.share * 100).toFixed(0)} %`).join(', '),
      ms(item.importMs),
      (item.importMs / minimal.importMs).toFixed(2),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

if (import.meta.main) {
  const coldRuns = process.argv.includes('--quick') ? 3 : 9;
  const built = await measureBundles({
    coldRuns,
    log: (message) => process.stderr.write(`[bench:bundles] ${message}\n`),
  });
  const lines = ['| figure | measured | goal |', '|---|---|---|'];
  for (const row of bundleGoals(built)) lines.push(`| ${row.join(' | ')} |`);
  lines.push('', ...bundleTable(built, coldRuns));
  process.stdout.write(`${lines.join('\n')}\n`);
}
