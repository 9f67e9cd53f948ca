/** Headers with meaning for the API: If-Match and Idempotency-Key, validated. */
import { ValidationError } from '../../shared/errors.ts';

/** A version no secret has (versions start at 1): what an If-Match that can never match compares to. */
export const noVersion = 0;

const entityTag = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/;
const versionTag = /^[1-9][0-9]{0,9}$/;

function malformed(message: string): ValidationError {
  return new ValidationError(message, {
    details: [{ path: 'header.if-match', message: 'not an entity tag' }],
  });
}

/**
 * `If-Match`, read as RFC 9110 writes it: `*`, or entity tags (`"3"`, `W/"3"`) separated by commas.
 * `*` → undefined (any current version); `"3"` → 3. If-Match compares strongly, so a weak tag, or one
 * that is no version secretm gives (`"03"`, `""`), never matches: it answers `noVersion`, and the write
 * is refused with 412. A header that is not entity tags is a 400.
 */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return undefined;
  // RFC 9110 lists may hold empty elements, which a recipient ignores.
  const tags = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const parsed = tags.map((tag) => entityTag.exec(tag));
  if (tags.length === 0 || parsed.some((match) => match === null)) {
    throw malformed('If-Match must be * or a version in quotes, e.g. "3"');
  }
  const versions = new Set(
    parsed.flatMap((match) => (!match![1] && versionTag.test(match![2]!) ? [Number(match![2])] : [])),
  );
  if (versions.size > 1) throw malformed('If-Match must name one version, e.g. "3"');
  return versions.size === 1 ? [...versions][0]! : noVersion;
}

export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(header)) {
    throw new ValidationError('Idempotency-Key must be 1–255 visible ASCII characters', {
      details: [{ path: 'header.idempotency-key', message: 'invalid' }],
    });
  }
  return header;
}

export const etag = (version: number) => `"${version}"`;
