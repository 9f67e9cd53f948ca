/**
 * The code blocks of a Markdown document, as examples a test runs or checks.
 *
 * A fenced block is one of:
 * - run: a `sh` or `bash` block with no marker; the document's shell blocks run in order as one bash
 *   session (runShellExamples);
 * - run: a `ts` or `typescript` block with no marker, after the shell session, each as a Node
 *   process of its own (runTypeScriptExample);
 * - checked: `<!-- example: checked by NAME -->` on the line before it (blank lines between are fine);
 *   the test that reads the document has a check called NAME for it;
 * - not run: `<!-- example: not run — REASON -->`, with a reason.
 * Any other block (another language, or no language, without a marker) is an error: every example
 * in the docs is either run, checked, or says why not.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export type ExampleMarker = { kind: 'checked'; check: string } | { kind: 'not-run'; reason: string };

export interface CodeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word ('' when none). */
  lang: string;
  /** The block's text, without its fences, ending in a newline. */
  text: string;
  marker?: ExampleMarker;
  /** The heading (with its #s) the block sits under. */
  section: string;
}

const shell = new Set(['sh', 'bash']);
const typescript = new Set(['ts', 'typescript']);
const markerLine = /^<!--\s*example:\s*(.*?)\s*-->\s*$/;

function parseMarker(body: string, line: number): ExampleMarker {
  const checked = /^checked by ([a-z0-9-]+)$/.exec(body);
  if (checked) return { kind: 'checked', check: checked[1]! };
  const notRun = /^not run\s*[—:-]\s*(\S.*)$/.exec(body);
  if (notRun) return { kind: 'not-run', reason: notRun[1]! };
  throw new Error(
    `line ${line}: an example marker is "example: checked by NAME" or "example: not run — REASON", not "example: ${body}"`,
  );
}

/** Every fenced block of the document, with the marker before it. Throws on an unclosed fence. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^#{1,6} /.test(line)) section = line;
    const fence = /^(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (!fence) continue;
    const close = lines.findIndex((candidate, j) => j > i && candidate.trimEnd() === fence[1]);
    if (close === -1) throw new Error(`line ${i + 1}: a code block is never closed`);
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const marked = before >= 0 ? markerLine.exec(lines[before]!) : null;
    blocks.push({
      line: i + 1,
      lang: fence[2] ?? '',
      text: `${lines.slice(i + 1, close).join('\n')}\n`,
      ...(marked ? { marker: parseMarker(marked[1]!, before + 1) } : {}),
      section,
    });
    i = close;
  }
  return blocks;
}

/** What the document asks of each block; an error for each that is neither run, checked nor explained. */
export function classify(blocks: CodeBlock[]): {
  /** Shell blocks, in order. */
  run: CodeBlock[];
  /** TypeScript blocks, in order. */
  runTypeScript: CodeBlock[];
  checked: Map<string, CodeBlock[]>;
  notRun: CodeBlock[];
  errors: string[];
} {
  const run: CodeBlock[] = [];
  const runTypeScript: CodeBlock[] = [];
  const checked = new Map<string, CodeBlock[]>();
  const notRun: CodeBlock[] = [];
  const errors: string[] = [];
  for (const block of blocks) {
    if (block.marker?.kind === 'checked') {
      checked.set(block.marker.check, [...(checked.get(block.marker.check) ?? []), block]);
    } else if (block.marker?.kind === 'not-run') {
      notRun.push(block);
    } else if (shell.has(block.lang)) {
      run.push(block);
    } else if (typescript.has(block.lang)) {
      runTypeScript.push(block);
    } else {
      errors.push(
        `line ${block.line}: a \`${block.lang || 'plain'}\` block is neither run nor marked (example: checked by NAME, or example: not run — REASON)`,
      );
    }
  }
  return { run, runTypeScript, checked, notRun, errors };
}

export interface ShellRun {
  /** What each block printed, in order. */
  outputs: string[];
  stderr: string;
}

/**
 * Runs the blocks in order as one bash session (`set -euo pipefail`), in `cwd`, with only `env` (and
 * PATH). The one substitution: an `export NAME=…` line whose names `env` provides is left out, so
 * the test's values stand in for the document's placeholders. And `curl -s ` gains
 * `-S --fail-with-body -w '\n'`: an answer that is not 2xx fails the run, and each answer ends a line.
 * A failure names the document line it happened on.
 */
export async function runShellExamples(
  blocks: CodeBlock[],
  options: { env: Record<string, string>; cwd: string; timeoutMs?: number },
): Promise<ShellRun> {
  const separator = '\u001e';
  const script = [
    'set -euo pipefail',
    `trap 'echo "example failed: document line $((EXAMPLE_LINE + LINENO - EXAMPLE_START))" >&2' ERR`,
  ];
  blocks.forEach((block, index) => {
    const body = block.text
      .split('\n')
      .map((line) => substitute(line, options.env))
      .join('\n');
    script.push(`printf '${separator}%s${separator}\\n' ${index}`);
    // LINENO of the block's first line is EXAMPLE_START + 1; the document line is block.line + 1.
    script.push(`EXAMPLE_LINE=${block.line}; EXAMPLE_START=$((LINENO + 0))`);
    script.push(body);
  });
  try {
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', script.join('\n')], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const parts = stdout.split(new RegExp(`${separator}\\d+${separator}\\n`));
    return { outputs: parts.slice(1), stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `the examples failed: ${failed.stderr?.trim() || failed.message}\n--- last output ---\n${(failed.stdout ?? '').slice(-2000)}`,
    );
  }
}

function substitute(line: string, env: Record<string, string>): string {
  const exported = /^export\s+(.*)$/.exec(line);
  if (exported) {
    const names = [...exported[1]!.replace(/#.*$/, '').matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)].map(
      (match) => match[1]!,
    );
    const provided = names.filter((name) => name in env);
    if (provided.length > 0 && provided.length < names.length) {
      throw new Error(
        `\`${line}\` sets ${names.join(', ')}, of which the test provides only ${provided.join(', ')}`,
      );
    }
    if (provided.length > 0) return '';
  }
  return line.replaceAll('curl -s ', "curl -sS --fail-with-body -w '\\n' ");
}

/** The JSON answers among a block's output lines (other lines skipped). */
// biome-ignore lint/suspicious/noExplicitAny: answers are inspected freely
export function jsonAnswers(output: string): any[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{') || line.startsWith('['))
    .map((line) => JSON.parse(line));
}

/**
 * Runs a TypeScript block as an ES module of its own (Node strips the types), in `cwd`, with only
 * `env` (and PATH), and answers what it printed. The one substitution: an import of a package that
 * `modules` names (`from 'secretm'`) comes from the path given instead, as the package is not
 * installed in the repository itself.
 */
export async function runTypeScriptExample(
  block: CodeBlock,
  options: { env: Record<string, string>; cwd: string; modules: Record<string, string>; timeoutMs?: number },
): Promise<string> {
  const source = block.text.replace(/(from\s+)'([^']+)'/g, (whole, from: string, name: string) =>
    name in options.modules ? `${from}'${options.modules[name]}'` : whole,
  );
  const file = join(options.cwd, `example-line-${block.line}.mts`);
  await writeFile(file, source);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [file], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
      timeout: options.timeoutMs ?? 60_000,
    });
    return stdout;
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new Error(`the example at line ${block.line} failed: ${failed.stderr?.trim() || failed.message}`);
  }
}
