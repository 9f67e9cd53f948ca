/** Headers with meaning for the API: If-Match and Idempotency-Key, validated. */
import { ValidationError } from '../../shared/errors.ts';

/** `If-Match: "3"` (or `3`, `W/"3"`) → 3; `*` → undefined (any current version). */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === '*') return undefined;
  const match = /^(?:W\/)?"?([1-9][0-9]{0,9})"?$/.exec(value);
  if (!match) {
    throw new ValidationError('If-Match must be a version in quotes, e.g. "3"', {
      details: [{ path: 'header.if-match', message: 'not a version' }],
    });
  }
  return Number(match[1]);
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
