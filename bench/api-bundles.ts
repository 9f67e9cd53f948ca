/**
 * The API functions' code and its cold import, against a minimal handler that imports only
 * `@aws-sdk/client-secrets-manager`. Each family entry (functions/routes.ts) is built exactly as the
 * stack builds it (infra/constructs/function-build.ts: ESM, minified, node24, every dependency bundled,
 * code split) and measured two ways: the code the function loads when it starts (index.mjs and the
 * chunks it imports statically), and all of its code (with the chunks it imports on first need: vault
 * SDKs, PostgreSQL, the OpenAPI document). The minimal handler is built both as one file (the build the
 * goal's figure was set with) and the functions' way. Cold import: a fresh `node` imports the entry
 * (bench/import-child.ts), median of `coldRuns`, interleaved after one warm-up each.
 *
 * `npm run bench:api` reports these beside the HTTP figures; run alone, this builds and measures the
 * bundles only and prints their table:
 *
 *   npm run bench:bundles                 (9 cold imports each)
 *   npm run bench:bundles -- --quick      (3)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { familyEntries } from '../functions/routes.ts';
import { buildFunction, codeFiles, requireBanner } from '../infra/constructs/function-build.ts';
import { median } from './measure.ts';

const execFileAsync = promisify(execFile);
const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(benchDir, '..');
const minimalEntry = join(benchDir, 'handlers', 'raw.ts');
const minimalLabel = 'minimal handler (client-secrets-manager only)';

export interface BundleFigures {
  label: string;
  /** The code loaded when the function starts (one file: all of it). */
  startBytes: number;
  /** All of the code, the chunks loaded on first need included. */
  totalBytes: number;
  /** The largest packages in the code loaded at start, by their share of its bytes. */
  top: { name: string; share: number }[];
  importMs: number;
}

function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return 'secretm';
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

type Built = Omit<BundleFigures, 'importMs'> & { file: string };

function figuresOf(label: string, file: string, metafile: Metafile): Built {
  const files = codeFiles(metafile);
  const atStart = files.filter((item) => item.atStart);
  const byPackage = new Map<string, number>();
  for (const item of atStart) {
    for (const [input, { bytesInOutput }] of Object.entries(metafile.outputs[item.path]!.inputs)) {
      byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
    }
  }
  const startBytes = atStart.reduce((sum, item) => sum + item.bytes, 0);
  const top = [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, bytes]) => ({ name, share: bytes / startBytes }));
  return { label, file, startBytes, totalBytes: files.reduce((sum, item) => sum + item.bytes, 0), top };
}

/** The minimal handler as one file: how the goal's baseline was built. */
async function oneFile(workDir: string): Promise<Built> {
  const file = join(workDir, 'minimal-one-file', 'index.mjs');
  const result = await build({
    entryPoints: [minimalEntry],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    minify: true,
    mainFields: ['module', 'main'],
    banner: { js: requireBanner },
    metafile: true,
    logLevel: 'error',
  });
  return figuresOf(`${minimalLabel}, one file`, file, result.metafile!);
}

/** A handler built as the stack builds functions. */
function split(workDir: string, label: string, entry: string): Built {
  const outdir = join(workDir, label.replace(/[^a-z0-9]+/gi, '-'));
  const metafile = buildFunction(entry, outdir);
  return figuresOf(label, join(outdir, 'index.mjs'), metafile);
}

async function coldImport(file: string): Promise<number> {
  const { stdout } = await execFileAsync(process.execPath, [join(benchDir, 'import-child.ts'), file], {
    env: { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'us-east-1' },
  });
  return (JSON.parse(stdout) as { importMs: number }).importMs;
}

/**
 * The minimal handler (one file, then split), then each API family; cold imports interleaved, after
 * one warm-up each.
 */
export async function measureBundles(options: {
  coldRuns: number;
  log: (message: string) => void;
}): Promise<BundleFigures[]> {
  const workDir = await mkdtemp(join(tmpdir(), 'secretm-bench-bundles-'));
  try {
    options.log('bundles');
    const built = [await oneFile(workDir), split(workDir, `${minimalLabel}, split`, minimalEntry)];
    for (const [family, entry] of Object.entries(familyEntries))
      built.push(split(workDir, family, join(repoRoot, entry)));
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

/**
 * The goals' rows: the largest API function's code loaded at start and the slowest cold import, each
 * against the minimal handler as one file (the goal's baseline), and against it built the same way.
 */
export function bundleGoals(built: BundleFigures[]): string[][] {
  const [minimal, minimalSplit] = built as [BundleFigures, BundleFigures];
  const api = built.slice(2);
  const maxBytes = Math.max(...api.map((item) => item.startBytes));
  const maxTotal = Math.max(...api.map((item) => item.totalBytes));
  const maxImport = Math.max(...api.map((item) => item.importMs));
  return [
    [
      'largest API function, code loaded at start, vs the minimal handler (one file)',
      `${kb(maxBytes)} vs ${kb(minimal.startBytes)} (${(maxBytes / minimal.startBytes).toFixed(1)}×)`,
      maxBytes <= 2 * minimal.startBytes ? '≤ 2×: met' : '≤ 2×: **missed**',
    ],
    [
      'the same, vs the minimal handler built the same way (split)',
      `${kb(maxBytes)} vs ${kb(minimalSplit.startBytes)} (${(maxBytes / minimalSplit.startBytes).toFixed(1)}×)`,
      maxBytes <= 2 * minimalSplit.startBytes ? '≤ 2×: met' : '≤ 2×: **missed**',
    ],
    [
      'largest API function, all its code (chunks loaded on first need included)',
      `${kb(maxTotal)} (${(maxTotal / minimal.startBytes).toFixed(1)}× the minimal handler, one file)`,
      '—',
    ],
    [
      'slowest API function cold import vs the minimal handler (one file)',
      `${ms(maxImport)} vs ${ms(minimal.importMs)} ms (${(maxImport / minimal.importMs).toFixed(2)}×)`,
      maxImport <= 1.3 * minimal.importMs ? '≤ 1.3×: met' : '≤ 1.3×: **missed**',
    ],
  ];
}

/** The bundle table (Markdown lines). */
export function bundleTable(built: BundleFigures[], coldRuns: number): string[] {
  const minimal = built[0]!;
  const lines = [
    `Built as the stack builds them (infra/constructs/function-build.ts: ESM, minified, node24, every dependency bundled, split into index.mjs and chunks loaded on first need); the minimal handler also as one file, the build the goal was set with. "At start": index.mjs and the chunks it imports statically. Cold import: a fresh \`node\` imports the entry (bench/import-child.ts), median of ${coldRuns}. Ratios against the minimal handler as one file.`,
    '',
    '| function | at start | × minimal | all code | largest parts at start | cold import (ms) | × minimal |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const item of built) {
    const cells = [
      item.label,
      kb(item.startBytes),
      (item.startBytes / minimal.startBytes).toFixed(1),
      kb(item.totalBytes),
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
