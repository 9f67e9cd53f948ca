/**
 * The one spelling of a vault ref that every check and every vault call uses, so that a check on one
 * string and a call with another can never disagree:
 *
 * - percent-encoding is decoded until nothing changes (`%252F` → `%2F` → `/`); a malformed escape
 *   has no canonical form;
 * - `\` separates segments as `/` does; empty segments (`//`, a leading or trailing `/`) and `.` are
 *   dropped, `..` removes the segment before it (a `..` above the first segment has no canonical form);
 * - trailing dots are dropped from each segment (`acme./x` is `acme/x`); a segment of dots only has
 *   no canonical form;
 * - the namespace segments secretm itself names (`secretm/<stage>/<tenant or _system>`) are
 *   lower-cased: stages and tenant ids are lower case, so `SECRETM/Prod/ACME` is `secretm/prod/acme`;
 * - control characters have no canonical form.
 *
 * `undefined` means "no canonical form": callers answer it exactly as an absent ref.
 */
const maxRefLength = 2048;
const maxDecodeRounds = 4;
const namespaceSegments = 3;

export function canonicalRef(ref: string): string | undefined {
  if (typeof ref !== 'string' || ref.length === 0 || ref.length > maxRefLength) return undefined;
  const decoded = decodeFully(ref);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (decoded === undefined || /[\u0000-\u001f\u007f]/.test(decoded)) return undefined;
  const segments: string[] = [];
  for (const raw of decoded.split(/[/\\]/)) {
    if (raw === '' || raw === '.') continue;
    if (raw === '..') {
      if (segments.pop() === undefined) return undefined;
      continue;
    }
    const segment = raw.replace(/\.+$/, '');
    if (segment === '') return undefined;
    segments.push(segment);
  }
  if (segments.length === 0) return undefined;
  if (segments[0]!.toLowerCase() === 'secretm') {
    for (let i = 0; i < Math.min(namespaceSegments, segments.length); i++) {
      segments[i] = segments[i]!.toLowerCase();
    }
  }
  return segments.join('/');
}

function decodeFully(ref: string): string | undefined {
  let current = ref;
  for (let round = 0; round < maxDecodeRounds; round++) {
    if (!current.includes('%')) return current;
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return undefined;
    }
    if (next === current) return current;
    current = next;
  }
  // Still encoded after every round: a ref nobody writes by accident.
  return current.includes('%') ? undefined : current;
}
