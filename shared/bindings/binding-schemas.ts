import * as z from 'zod';
import { envKey, reservedName, secretName } from '../validation/names.ts';

export const serviceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,127}$/, 'must be 1–128 of a–z 0–9 . _ - and start with a letter or digit');

const entry = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/, 'must be an environment variable name or a file name')
    .refine((name) => name !== '__proto__', reservedName('__proto__'))
    .describe(
      "The environment variable of an env secret's key; for a file secret the entry's name (the file keeps its secret's filename)",
    ),
  secret: secretName,
  key: z.string().min(1).max(256).optional().describe('The key of an env secret; omit for a file secret'),
  mountPath: z
    .string()
    .regex(/^\/[A-Za-z0-9._\-/ ]*$/, 'must be an absolute path')
    .refine((path) => !path.split('/').some((segment) => segment === '..'), 'must not contain ..')
    .optional()
    .describe("The directory a file secret is mounted in (default: the secret's own mountPath)"),
});

export const putBindingBody = z.strictObject({
  entries: z.array(entry).min(1).max(500),
  description: z.string().max(2048).optional(),
});
export type PutBindingBody = z.output<typeof putBindingBody>;

export const listBindingsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2048).optional(),
});

export const bindingListResponse = z.object({
  items: z.array(
    z.object({
      service: z.string(),
      entryCount: z.number().int().describe('How many names the binding maps'),
      description: z.string().optional(),
      version: z.number().int(),
      updatedAt: z.string(),
    }),
  ),
  cursor: z.string().optional().describe('Present when more may follow: pass it back for the next page'),
});

export const resolveQuery = z.strictObject({
  format: z.enum(['json', 'dotenv', 'kubernetes']).default('json'),
});

export const bindingResponse = z.object({
  service: z.string(),
  entries: z.array(
    z.object({
      name: z.string(),
      secret: z.string(),
      key: z.string().optional(),
      mountPath: z.string().optional(),
    }),
  ),
  description: z.string().optional(),
  version: z.number().int(),
  updatedAt: z.string(),
});

export const resolvedResponse = z.object({
  service: z.string(),
  env: z.record(z.string(), z.string()),
  files: z.array(
    z.object({
      name: z.string(),
      mountPath: z.string(),
      filename: z.string(),
      mode: z.string().optional(),
      encoding: z.enum(['utf8', 'base64']),
      content: z.string(),
    }),
  ),
});

export { envKey };
