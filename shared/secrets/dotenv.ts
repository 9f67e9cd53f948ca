/**
 * Reads and writes dotenv text (`KEY=value` lines) as users paste it.
 *
 * dotenv's parser never fails: it drops every line it does not understand, lets a quote that is not
 * closed run on into the lines after it, and keeps the last of two equal keys. So every line is first
 * checked here, by rules that are stricter than dotenv's but never contradict them, and only then does
 * dotenv read the values. The rules, line by line (after CRLF and lone CR become LF, as in dotenv):
 *
 * - blank, or a comment: `#` after optional whitespace;
 * - `[export ]NAME=value` or `[export ]NAME: value`, NAME an environment variable name;
 * - a value starting with `'`, `"` or `` ` `` closes at the first same quote not preceded by a
 *   backslash, possibly lines later (a multi-line value); after it only a comment may follow. dotenv
 *   keeps backslashes as they are, except that in double quotes `\n` and `\r` become line breaks;
 * - any other value is unquoted: it ends at the line end or at a ` #` comment, and is trimmed. A `#`
 *   with no whitespace before it is refused, because dotenv would cut the value there silently;
 * - U+2028 and U+2029 are refused outside quotes: dotenv's parser treats them as line breaks.
 *
 * Messages name lines and keys, never values.
 */
import { parse } from 'dotenv';
import type { ErrorDetail } from '../errors.ts';
import { ValidationError } from '../errors.ts';
import { envKeyPattern } from '../validation/name-patterns.ts';

const noVariables = 'the dotenv text holds no variables';

/** dotenv's key characters, then its two separators: `=` (spaces around it allowed) or `: `. */
const assignment = /^\s*(?:export\s+)?([\w.-]+)(?:\s*=|:(?=\s))/;
const lineSeparator = /[\u2028\u2029]/;
const separatorOutsideQuotes =
  'holds a Unicode line separator (U+2028 or U+2029) outside quotes, which dotenv reads as a line break';
const quoteKinds: Record<string, string> = {
  "'": 'single-quoted',
  '"': 'double-quoted',
  '`': 'backtick-quoted',
};

interface Entry {
  key: string;
  /** 1-based; the lines differ only for a quoted value holding line breaks. */
  firstLine: number;
  lastLine: number;
}

/** Parses pasted dotenv text; refuses it, naming every bad line, unless every line is unambiguous. */
export function parseDotenv(text: string): Record<string, string> {
  const normalized = text.replace(/\r\n?/g, '\n');
  const lines = normalized.split('\n');
  const { entries, problems } = scan(normalized, lines);
  problems.push(...duplicates(entries));
  if (problems.length === 0 && entries.length === 0) throw new ValidationError(noVariables);
  const values = problems.length === 0 ? readValues(normalized, lines, entries, problems) : {};
  if (problems.length > 0) throw refusal(problems);
  return values;
}

/**
 * Writes a map as dotenv text that `parseDotenv` reads back to the same map: plain values bare, others
 * in the first quoting that reads back exactly. dotenv has no escape for a quote or a backslash, so a
 * value that needs quotes and that no quote kind can hold (say one with `'`, `"`, `` ` `` and a line
 * break) is refused, as is a name that is not an environment variable name.
 */
export function formatDotenv(data: Record<string, string>): string {
  const problems: ErrorDetail[] = [];
  const lines: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const path = `data.${key}`;
    const keyProblem = checkKey(key);
    if (keyProblem) problems.push({ path, message: keyProblem });
    else if (typeof value !== 'string') problems.push({ path, message: 'must be a string' });
    else {
      const line = formatEntry(key, value);
      if (line === undefined)
        problems.push({
          path,
          message:
            'cannot be written as dotenv exactly: the value needs quotes, and each kind of quote (single, ' +
            'double, backtick) occurs in it or cannot hold it (dotenv has no escape for quotes or backslashes)',
        });
      else lines.push(line);
    }
  }
  if (problems.length > 0) throw refusal(problems);
  if (lines.length === 0) throw new ValidationError('there are no variables to write as dotenv');
  return `${lines.join('\n')}\n`;
}

function scan(text: string, lines: string[]): { entries: Entry[]; problems: ErrorDetail[] } {
  const starts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    starts.push(offset);
    offset += line.length + 1;
  }
  const closers = unescapedQuotes(text);
  const entries: Entry[] = [];
  const problems: ErrorDetail[] = [];
  const report = (index: number, message: string) => problems.push({ path: `dotenv:${index + 1}`, message });

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const body = line.trimStart();
    if (body === '' || body.startsWith('#')) {
      if (lineSeparator.test(line)) report(i, separatorOutsideQuotes);
      continue;
    }
    const head = assignment.exec(line);
    if (!head) {
      report(i, describeNonAssignment(body));
      continue;
    }
    const key = head[1]!;
    const keyProblem = checkKey(key);
    if (keyProblem) report(i, keyProblem);
    const rest = line.slice(head[0].length);
    const value = rest.trimStart();
    const quote = value[0];
    const kind = quote === undefined ? undefined : quoteKinds[quote];
    if (quote === undefined || kind === undefined) {
      const hash = rest.indexOf('#');
      if (hash !== -1 && !(hash > 0 && /\s/.test(rest[hash - 1]!)))
        report(
          i,
          `the unquoted value of ${key} holds a # with no space before it, where dotenv would cut it off: ` +
            'quote the value, or put a space before a comment',
        );
      else if (lineSeparator.test(line)) report(i, separatorOutsideQuotes);
      entries.push({ key, firstLine: i + 1, lastLine: i + 1 });
      continue;
    }
    const openColumn = line.length - value.length;
    // dotenv's regex ends a quoted value at the first same quote not preceded by a backslash.
    const quotes = closers.get(quote)!;
    const closeAt = quotes[firstAbove(quotes, starts[i]! + openColumn)];
    if (closeAt === undefined) {
      report(i, `the ${kind} value of ${key} is never closed (a quote after a backslash does not close it)`);
      continue;
    }
    const last = firstAbove(starts, closeAt) - 1;
    const after = lines[last]!.slice(closeAt - starts[last]! + 1);
    const trailing = after.trimStart();
    if (trailing !== '' && !trailing.startsWith('#')) {
      report(
        i,
        last === i
          ? `text follows the closing quote of the ${kind} value of ${key}: ` +
              'put a value that holds this quote in another kind of quotes'
          : `the ${kind} value of ${key} runs on to line ${last + 1}, where text follows its closing quote: ` +
              'is a closing quote missing?',
      );
      continue;
    }
    if (lineSeparator.test(line.slice(0, openColumn)) || lineSeparator.test(after))
      report(lineSeparator.test(after) ? last : i, separatorOutsideQuotes);
    entries.push({ key, firstLine: i + 1, lastLine: last + 1 });
    i = last;
  }
  return { entries, problems };
}

/** Where each quote character stands with no backslash before it, in order. */
function unescapedQuotes(text: string): Map<string, number[]> {
  const found = new Map(Object.keys(quoteKinds).map((quote) => [quote, [] as number[]]));
  for (let at = 0; at < text.length; at++) {
    const quotes = found.get(text[at]!);
    if (quotes && text[at - 1] !== '\\') quotes.push(at);
  }
  return found;
}

/** The index of the first of the ascending `numbers` above `floor` (their length when none is). */
function firstAbove(numbers: number[], floor: number): number {
  let low = 0;
  let high = numbers.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (numbers[middle]! > floor) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Why a non-blank, non-comment line is no assignment; the line may be a pasted value, so none of it is quoted. */
function describeNonAssignment(body: string): string {
  const bare = body.replace(/^export\s+/, '');
  if (bare.startsWith('=')) return 'has no name before the =';
  const equals = bare.indexOf('=');
  if (equals > 0)
    return /\s/.test(bare.slice(0, equals).trimEnd())
      ? 'the name before the = holds a space'
      : 'the name before the = holds characters other than letters, digits and underscores';
  if (/^[\w.-]+\s*:/.test(bare))
    return 'is not KEY=value: write KEY=value, or KEY: value with a space after the colon';
  return 'is not KEY=value: it has no =';
}

function checkKey(key: string): string | undefined {
  if (key === '__proto__') return 'the name __proto__ is reserved: dotenv cannot read it back';
  if (!envKeyPattern.test(key))
    return `the name ${JSON.stringify(key)} is not an environment variable name: use letters, digits and underscores, not starting with a digit`;
  return undefined;
}

function duplicates(entries: Entry[]): ErrorDetail[] {
  const linesByKey = new Map<string, number[]>();
  for (const { key, firstLine } of entries) {
    const lines = linesByKey.get(key);
    if (lines) lines.push(firstLine);
    else linesByKey.set(key, [firstLine]);
  }
  return [...linesByKey].flatMap(([key, lines]) => {
    if (lines.length < 2) return [];
    const listed = `${lines.slice(0, -1).join(', ')} and ${lines.at(-1)}`;
    return lines.map((line) => ({
      path: `dotenv:${line}`,
      message: `${key} is defined more than once: on lines ${listed}`,
    }));
  });
}

/**
 * Lets dotenv read the whole text, and checks that it reads each entry as it reads that entry's lines
 * alone: the scan and dotenv then agree on which lines make each value.
 */
function readValues(
  text: string,
  lines: string[],
  entries: Entry[],
  problems: ErrorDetail[],
): Record<string, string> {
  const whole = parse(text);
  for (const { key, firstLine, lastLine } of entries) {
    const alone = parse(lines.slice(firstLine - 1, lastLine).join('\n'));
    const agrees =
      Object.keys(alone).length === 1 &&
      Object.hasOwn(alone, key) &&
      Object.hasOwn(whole, key) &&
      whole[key] === alone[key];
    if (!agrees)
      problems.push({
        path: `dotenv:${firstLine}`,
        message: `dotenv reads ${key} differently than its lines show`,
      });
  }
  const known = new Set(entries.map((entry) => entry.key));
  for (const key of Object.keys(whole))
    if (!known.has(key))
      problems.push({ path: 'dotenv', message: `dotenv reads a variable ${key} that no line defines` });
  return Object.fromEntries(entries.map(({ key }) => [key, whole[key]!]));
}

function refusal(problems: ErrorDetail[]): ValidationError {
  const details = problems.toSorted((a, b) => lineOf(a) - lineOf(b));
  const first = details[0]!;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return new ValidationError(`${first.path}: ${first.message}${more}`, { details });
}

function lineOf(detail: ErrorDetail): number {
  const match = /^dotenv:(\d+)$/.exec(detail.path);
  return match ? Number(match[1]) : 0;
}

/** Values that read the same bare in dotenv, in shells and to the eye. */
const plain = /^[\w.,:/@%+=~^-]*$/;

function formatEntry(key: string, value: string): string | undefined {
  const escaped = value.replaceAll('\n', '\\n').replaceAll('\r', '\\r');
  const breaks = /[\n\r]/.test(value);
  const candidates = [
    ...(plain.test(value) ? [value] : []),
    ...(breaks ? [`"${escaped}"`] : []),
    `'${value}'`,
    ...(breaks ? [] : [`"${escaped}"`]),
    `\`${value}\``,
    value,
  ];
  return candidates.map((written) => `${key}=${written}`).find((line) => readsBackAs(line, key, value));
}

function readsBackAs(line: string, key: string, value: string): boolean {
  try {
    const read = parseDotenv(line);
    return Object.keys(read).length === 1 && read[key] === value;
  } catch (error) {
    if (error instanceof ValidationError) return false;
    throw error;
  }
}
