/**
 * bench/RESULTS.md is written by more than one bench: `npm run bench` writes the file whole, and each
 * other bench owns a section between its markers (`<!-- tenancy:begin -->` … `<!-- tenancy:end -->`;
 * `local-start` for `npm run bench:start`, `cli`, `audit`, `console`, `api-before` and `api-after` for
 * `npm run bench:api`),
 * which it replaces, and which the whole-file writer keeps as it was.
 */

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
