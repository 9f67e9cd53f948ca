/**
 * The console's weight and first load: builds it, measures what the first page downloads (raw and
 * gzip), then loads the sign-in page in Debian's Chromium from a local server that serves the build as
 * local mode does (same CSP), a fresh browser context each time (cold cache), until its "API key" field
 * shows. Rewrites the console section of bench/RESULTS.md.
 *   npm run bench:console             (about a minute)
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { createConsoleAssets } from '../local/console-assets.ts';
import { writeOwnedSection } from './results-file.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const dist = join(repoRoot, 'console', 'dist');
const runs = 15;

await build({ configFile: join(repoRoot, 'console', 'vite.config.ts'), logLevel: 'warn' });

const index = await readFile(join(dist, 'index.html'), 'utf8');
const firstPage = [...index.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((match) => match[1]!);
const files = (await readdir(join(dist, 'assets'))).map((name) => `assets/${name}`);
const sizes = await Promise.all(
  ['index.html', ...files].map(async (file) => {
    const body = await readFile(join(dist, file));
    return {
      file,
      raw: (await stat(join(dist, file))).size,
      gzip: gzipSync(body, { level: 9 }).length,
      first: file === 'index.html' || firstPage.includes(file),
    };
  }),
);

const assets = createConsoleAssets(dist);
const server = createServer((req, res) => {
  if (!assets(req, res)) {
    res.writeHead(404);
    res.end();
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
const times: number[] = [];
try {
  for (let i = 0; i < runs + 1; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const began = performance.now();
    await page.goto(url);
    await page.getByLabel('API key').waitFor();
    const took = performance.now() - began;
    if (i > 0) times.push(took); // the first run warms Chromium itself, not the console
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const total = (pick: (s: (typeof sizes)[number]) => boolean, key: 'raw' | 'gzip') =>
  sizes.filter(pick).reduce((sum, s) => sum + s[key], 0);

const text = `## The console: weight and first load

\`npm run bench:console\` — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)} at the end.
The console's build (Vite, Preact), served as local mode serves it (same CSP), loaded in Debian's Chromium
over loopback with a cold cache, ${runs} times (after one warm-up), until the sign-in page's "API key" field shows.

| File | First page | Raw KiB | gzip KiB |
| --- | --- | ---: | ---: |
${sizes.map((s) => `| \`${s.file.replace(/-[\w-]{8}\./, '.')}\` | ${s.first ? 'yes' : 'on demand'} | ${kb(s.raw)} | ${kb(s.gzip)} |`).join('\n')}
| **First page, all files** | | ${kb(total((s) => s.first, 'raw'))} | ${kb(total((s) => s.first, 'gzip'))} |

First load to an interactive sign-in page: median ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms (min ${times[0]!.toFixed(0)} ms).
On demand: the API's own dotenv parser (with zod), loaded when a \`.env\` editor first shows; a secret's
Rotation section with its form, when a secret's page first shows; and the API keys, Costs, Audit and
Bindings pages (with the pieces only they use), each loaded when first opened.`;

await writeOwnedSection('console', text);
process.stdout.write(`${text}\n`);
