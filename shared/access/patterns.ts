/**
 * Patterns of access rules, as people know them from IAM resource ARNs and Vault path ACLs:
 *
 * - a secret pattern is a path of segments, like a secret's name: `payments/prod/db`, where `*` in a
 *   segment matches any run of characters within that segment (`prod-*`, `team-*` + `/prod`), and a last
 *   segment `**` matches one or more further segments at any depth (`payments/**`; `**` alone matches
 *   every name);
 * - a connection pattern is one segment (connection ids have no `/`): `vault-*`, or `**` for all.
 *
 * Besides matching, a pattern can be compared with another: `includes` (every name one matches, the
 * other matches too) and `intersects` (some name matches both). Both answer soundly — `includes` never
 * says yes wrongly, `intersects` never says no wrongly — which is what a check that a key's rules are
 * a subset of its creator's needs.
 */
import { maxSecretNameLength } from '../validation/names.ts';

/** A segment glob: literal runs and `*`s, e.g. `['prod-', '*']`. */
type Glob = readonly (string | typeof star)[];
const star = Symbol('*');

export interface Pattern {
  /** As written. */
  text: string;
  segments: readonly Glob[];
  /** Ends in `**`: one or more further segments of any depth. */
  deep: boolean;
}

export type PatternKind = 'secret' | 'connection';

const segmentChars = /^[A-Za-z0-9._*-]+$/;
const connectionChars = /^[a-z0-9*-]+$/;

/** The pattern, or why it is malformed or can never match. */
export function parsePattern(text: string, kind: PatternKind): Pattern | { error: string } {
  if (typeof text !== 'string' || text.length === 0 || text.length > 256) {
    return { error: 'a pattern is 1–256 characters' };
  }
  if (text === '**') return { text, segments: [], deep: true };
  const parts = text.split('/');
  const deep = parts.at(-1) === '**';
  const fixed = deep ? parts.slice(0, -1) : parts;
  if (kind === 'connection' && (fixed.length !== 1 || deep)) {
    return { error: 'a connection pattern is one segment (connection ids hold no /), or ** for all' };
  }
  const segments: Glob[] = [];
  for (const part of fixed) {
    if (part === '') return { error: 'a pattern has no empty segment (no leading, trailing or double /)' };
    if (part.includes('**')) return { error: '** stands alone, as the last segment (payments/**)' };
    if (!(kind === 'secret' ? segmentChars : connectionChars).test(part)) {
      return {
        error:
          kind === 'secret'
            ? 'a secret pattern holds the characters of names (A–Z a–z 0–9 . _ -), * and /'
            : 'a connection pattern holds the characters of connection ids (a–z 0–9 -) and *',
      };
    }
    const glob = toGlob(part);
    // A name's segment starts with a letter or digit: a segment pattern that starts otherwise never matches.
    const first = glob[0];
    if (typeof first === 'string' && !/^[A-Za-z0-9]/.test(first)) {
      return { error: `the segment "${part}" can never match: name segments start with a letter or digit` };
    }
    segments.push(glob);
  }
  // Each segment is at least one character; `**` adds at least `/x`.
  const shortest = segments.reduce((sum, glob) => sum + Math.max(literalLength(glob), 1) + 1, deep ? 1 : -1);
  if (shortest > maxSecretNameLength) {
    return {
      error: `the pattern can never match: every name it matches is over ${maxSecretNameLength} characters`,
    };
  }
  return { text, segments, deep };
}

function toGlob(segment: string): Glob {
  const glob: (string | typeof star)[] = [];
  for (const [i, run] of segment.split('*').entries()) {
    if (i > 0 && glob.at(-1) !== star) glob.push(star);
    if (run !== '') glob.push(run);
  }
  return glob;
}

const literalLength = (glob: Glob) =>
  glob.reduce<number>((sum, part) => sum + (part === star ? 0 : part.length), 0);

/** Whether `value` (a secret name, or a connection id) matches the pattern. */
export function matches(pattern: Pattern, value: string): boolean {
  const parts = value.split('/');
  if (pattern.deep ? parts.length <= pattern.segments.length : parts.length !== pattern.segments.length) {
    return false;
  }
  return pattern.segments.every((glob, i) => globMatches(glob, parts[i]!));
}

function globMatches(glob: Glob, text: string): boolean {
  // Greedy with backtracking on the last star: globs here are short.
  const match = (g: number, t: number): boolean => {
    if (g === glob.length) return t === text.length;
    const part = glob[g]!;
    if (part === star) {
      for (let end = t; end <= text.length; end++) if (match(g + 1, end)) return true;
      return false;
    }
    return text.startsWith(part, t) && match(g + 1, t + part.length);
  };
  return text.length > 0 && match(0, 0);
}

/** Every value `inner` matches, `outer` matches too (sound: never true wrongly). */
export function includes(outer: Pattern, inner: Pattern): boolean {
  const n = inner.segments.length;
  const m = outer.segments.length;
  if (!outer.deep) {
    return (
      !inner.deep && n === m && inner.segments.every((glob, i) => globIncludes(outer.segments[i]!, glob))
    );
  }
  // outer matches names of more than m segments whose first m match its globs.
  if (inner.deep ? n < m : n <= m) return false;
  return outer.segments.every((glob, i) => globIncludes(glob, inner.segments[i]!));
}

/** Some value matches both (sound: never false wrongly). */
export function intersects(a: Pattern, b: Pattern): boolean {
  const n = a.segments.length;
  const m = b.segments.length;
  if (!a.deep && !b.deep && n !== m) return false;
  if (a.deep && !b.deep && m <= n) return false;
  if (b.deep && !a.deep && n <= m) return false;
  const shared = Math.min(n, m);
  for (let i = 0; i < shared; i++) if (!globIntersects(a.segments[i]!, b.segments[i]!)) return false;
  return true;
}

/**
 * Every string `inner` matches, `outer` matches: `outer`'s stars may absorb any of `inner`'s symbols
 * (its literals and its stars); a literal of `outer` must meet the same literal in `inner`.
 */
function globIncludes(outer: Glob, inner: Glob): boolean {
  const innerSymbols = symbols(inner);
  const outerSymbols = symbols(outer);
  const memo = new Map<string, boolean>();
  const walk = (o: number, i: number): boolean => {
    const key = `${o},${i}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (o === outerSymbols.length) result = i === innerSymbols.length;
    else if (outerSymbols[o] === star) result = walk(o + 1, i) || (i < innerSymbols.length && walk(o, i + 1));
    else result = i < innerSymbols.length && innerSymbols[i] === outerSymbols[o] && walk(o + 1, i + 1);
    memo.set(key, result);
    return result;
  };
  return walk(0, 0);
}

/** Some string both globs match: each star may take nothing, or any character of the other side. */
function globIntersects(a: Glob, b: Glob): boolean {
  const x = symbols(a);
  const y = symbols(b);
  const memo = new Map<string, boolean>();
  const walk = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === x.length && j === y.length) result = true;
    else if (x[i] === star && walk(i + 1, j)) result = true;
    else if (y[j] === star && walk(i, j + 1)) result = true;
    else if (i < x.length && j < y.length) {
      if (x[i] === star && y[j] === star) result = walk(i + 1, j + 1);
      else if (x[i] === star) result = walk(i, j + 1);
      else if (y[j] === star) result = walk(i + 1, j);
      else result = x[i] === y[j] && walk(i + 1, j + 1);
    } else result = false;
    memo.set(key, result);
    return result;
  };
  return walk(0, 0);
}

/** A glob as single characters and stars. */
function symbols(glob: Glob): (string | typeof star)[] {
  return glob.flatMap((part): (string | typeof star)[] => (part === star ? [star] : [...part]));
}
