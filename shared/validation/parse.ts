import type * as z from 'zod';
import { ValidationError } from '../errors.ts';

/**
 * Validates input at the edge. Issues become a ValidationError whose details name each field; zod's
 * messages name types and patterns, never the rejected value.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, where: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => {
    const path = [where, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return { path, message: `not a field this request accepts: ${issue.keys.join(', ')}` };
    }
    // A map's key that does not fit: say what keys may be, not just that this one may not.
    if (issue.code === 'invalid_key' && issue.issues[0]) return { path, message: issue.issues[0].message };
    return { path, message: issue.message };
  });
  const first = details[0]!;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  throw new ValidationError(`${first.path}: ${first.message}${more}`, { details });
}
