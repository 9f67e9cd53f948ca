/** The shapes of identifiers secretm accepts at its edge, in one place. */
import * as z from 'zod';

/**
 * Secret names are paths (`payments/prod/db`), as AWS Secrets Manager names and Vault paths are:
 * segments of A–Z a–z 0–9 . _ -, each starting with a letter or digit (so no `.`, `..` or empty
 * segment), separated by `/`, 1–128 characters in all. In a route the name is one path parameter,
 * its `/` percent-encoded (`payments%2Fprod%2Fdb`).
 */
export const secretNamePattern = /^(?=.{1,128}$)[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
export const maxSecretNameLength = 128;
export const tenantPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Environment variable names, as shells and container runtimes accept them. */
export const envKeyPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const secretName = z
  .string()
  .regex(
    secretNamePattern,
    'must be 1–128 characters: segments of A–Z a–z 0–9 . _ - separated by /, each starting with a letter or digit',
  )
  .describe('Secret name, unique per tenant');

export const tenantId = z
  .string()
  .regex(tenantPattern, 'must be 1–63 of a–z 0–9 - and start with a letter or digit');

/**
 * `__proto__` sets an object's prototype instead of a key, so a map keyed by it loses the entry
 * (JSON parsers and zod drop it silently); `constructor` makes DynamoDB's marshaller refuse the map.
 * Both are refused wherever a caller names keys, with the same message.
 */
export const reservedName = (name: string) => `the name ${name} is reserved`;

export const envKey = z
  .string()
  .regex(envKeyPattern, 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)')
  .refine((key) => key !== '__proto__', reservedName('__proto__'));

/**
 * A map keyed by caller input. A `__proto__` key is refused before the map is read: the record parser
 * would drop it without a word.
 */
export function keyedRecord<K extends z.ZodType<string, string>, V extends z.ZodType>(key: K, value: V) {
  return z.preprocess(
    (input, ctx) => {
      if (input !== null && typeof input === 'object' && Object.hasOwn(input, '__proto__')) {
        ctx.addIssue({ code: 'custom', message: reservedName('__proto__'), path: ['__proto__'], input });
        return z.NEVER;
      }
      return input;
    },
    z.record(key, value),
  );
}

export const connectionId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1–63 of a–z 0–9 - and start with a letter or digit');

export const tagKey = z
  .string()
  .regex(/^[\p{L}\p{N} _.:/=+\-@]{1,128}$/u, 'must be 1–128 letters, digits, spaces or _ . : / = + - @')
  .refine((key) => key !== 'constructor', reservedName('constructor'));
export const tagValue = z.string().max(256, 'must be at most 256 characters');
