/**
 * Opaque page cursors and page limits. A cursor is the base64url of the last item's identifying text
 * (a name, a version number, an audit sort key); each store rebuilds the start key with the CALLER's
 * tenant, so a cursor can never lead into another tenant's items.
 */
import { ValidationError } from '../errors.ts';

export const maxPageLimit = 1000;

export function encodeCursor(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** The text inside a cursor; ValidationError for anything the store could not have made. */
export function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new ValidationError('invalid cursor');
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Non-canonical base64url, or bytes that are not UTF-8, do not survive the round trip.
  if (text.length === 0 || encodeCursor(text) !== cursor) throw new ValidationError('invalid cursor');
  return text;
}

export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxPageLimit) {
    throw new ValidationError(`limit must be an integer from 1 to ${maxPageLimit}`);
  }
  return limit;
}
