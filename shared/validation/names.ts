/** The shapes of identifiers secretm accepts at its edge, in one place. */
import * as z from 'zod';
import { envKeyPattern, secretNamePattern, tenantPattern } from './name-patterns.ts';

export {
  envKeyPattern,
  maxSecretNameLength,
  secretNamePattern,
  tenantPattern,
} from './name-patterns.ts';

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
