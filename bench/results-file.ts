/**
 * bench/RESULTS.md is written by more than one bench: `npm run bench` writes the file whole, and each
 * other bench owns a section between its markers (`<!-- tenancy:begin -->` … `<!-- tenancy:end -->`;
 * `local-start` for `npm run bench:start`, `cli`, `audit`, `console`, `api-before` and `api-after` for
 * `npm run bench:api`),
 * which it replaces, and which the whole-file writer keeps as it was.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** bench/RESULTS.md, wherever the bench runs from. */
export const resultsFile = fileURLToPath(new URL('RESULTS.md', import.meta.url));

/** The sections other benches own, in the order they appear in RESULTS.md. */
export const ownedSections = [
  'tenancy',
  'local-start',
  'cli',
  'audit',
  'console',
  'api-before',
  'api-after',
] as const;
export type SectionName = (typeof ownedSections)[number];

const begin = (name: SectionName) => `<!-- ${name}:begin -->`;
const end = (name: SectionName) => `<!-- ${name}:end -->`;

/** The section `name` of `text`, markers included; undefined when the file has none. */
export function sectionOf(text: string, name: SectionName): string | undefined {
  const from = text.indexOf(begin(name));
  const to = text.indexOf(end(name), from);
  if (from < 0 || to < 0) return undefined;
  return text.slice(from, to + end(name).length);
}

/** `text` with the section `name` replaced by `body` (between its markers), or appended when absent. */
export function withSection(text: string, name: SectionName, body: string): string {
  const section = `${begin(name)}\n\n${body.trim()}\n\n${end(name)}`;
  const old = sectionOf(text, name);
  if (old !== undefined) return text.replace(old, () => section);
  return `${text.trimEnd()}\n\n${section}\n`;
}

/** A freshly written whole file with every owned section of the previous one kept, at its end. */
export function keepingSections(fresh: string, previous: string | undefined): string {
  let text = fresh;
  for (const name of ownedSections) {
    const kept = previous === undefined ? undefined : sectionOf(previous, name);
    if (kept !== undefined) text = `${text.trimEnd()}\n\n${kept}\n`;
  }
  return text;
}

/** `text` formatted as the repository's formatter formats bench/RESULTS.md. */
function formatted(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const biome = execFile(
      `${repoRoot}node_modules/.bin/biome`,
      ['format', '--stdin-file-path=bench/RESULTS.md'],
      { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
    biome.stdin?.end(text);
  });
}

/**
 * Replaces the section `name` of bench/RESULTS.md (or of `file`) with `body`, starting the file when
 * it does not exist yet, formatted as the repository's formatter does, and says so on stderr.
 */
export async function writeOwnedSection(name: SectionName, body: string, file = resultsFile): Promise<void> {
  const previous = await readFile(file, 'utf8').catch(() => '# secretm — benchmark results\n');
  await writeFile(file, await formatted(withSection(previous, name, body)));
  process.stderr.write(
    `written to ${file === resultsFile ? 'bench/RESULTS.md' : file} (the ${name} section)\n`,
  );
}
