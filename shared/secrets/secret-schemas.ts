/**
 * Request and response shapes of the secrets API, validated at the edge and published in the
 * OpenAPI document. Bodies are strict: a field the client may not set (tenant, vaultRef, version,
 * timestamps) is refused, not ignored.
 *
 * Each exported schema is built the first time it is used (`z.lazy`: parsed, or documented), not when
 * the module loads: zod builds a schema object by object, which is real CPU at a cold start, and a
 * function answers one route per request; response shapes are only ever documented. The parts they
 * share are functions, called when a schema is built.
 */
import * as z from 'zod';
import { rotationView } from '../rotation/rotation-schemas.ts';
import { connectionId, envKey, keyedRecord, secretName, tagKey, tagValue } from '../validation/names.ts';

const filename = () =>
  z
    .string()
    .regex(
      /^[A-Za-z0-9._-][A-Za-z0-9._ -]{0,254}$/,
      'must be a plain file name (no slashes), at most 255 characters',
    )
    .refine((name) => name !== '.' && name !== '..', 'must be a plain file name');

const mountPath = () =>
  z
    .string()
    .max(1024)
    .regex(/^\/[A-Za-z0-9._\-/ ]*$/, 'must be an absolute path')
    .refine(
      (path) => !path.split('/').some((segment) => segment === '..' || segment === '.'),
      'must not contain . or ..',
    );

const fileInput = () =>
  z.strictObject({
    content: z.string().describe('File content: text, or base64 when encoding is base64'),
    encoding: z.enum(['utf8', 'base64']).default('utf8'),
    filename: filename(),
    mountPath: mountPath().optional(),
    mode: z
      .string()
      .regex(/^0?[0-7]{3}$/, 'must be an octal file mode such as 0400')
      .optional(),
  });

const tags = () =>
  keyedRecord(tagKey, tagValue).refine((value) => Object.keys(value).length <= 50, 'at most 50 tags');
const description = () => z.string().max(2048);
const envData = () => keyedRecord(envKey, z.string()).describe('Environment variables, NAME → value');

/** The value fields of a create or a replace: env data, a pasted .env file, or a file. */
const valueInput = () => ({
  data: envData().optional(),
  dotenv: z.string().describe('A pasted .env file (comments, quotes, multi-line values, export)').optional(),
  file: fileInput().optional(),
});

export const createSecretBody = z.lazy(() =>
  z.strictObject({
    name: secretName,
    type: z.enum(['env', 'file']),
    connection: connectionId.optional().describe("Defaults to the tenant's default connection"),
    ...valueInput(),
    description: description().optional(),
    tags: tags().optional(),
  }),
);
export type CreateSecretBody = z.output<typeof createSecretBody>;

/** PUT takes the create body; name, type and connection may be repeated but not changed. */
export const replaceSecretBody = z.lazy(() =>
  z.strictObject({
    name: secretName.optional(),
    type: z.enum(['env', 'file']).optional(),
    connection: connectionId.optional(),
    ...valueInput(),
    description: description().optional(),
    tags: tags().optional(),
  }),
);
export type ReplaceSecretBody = z.output<typeof replaceSecretBody>;

export const patchSecretBody = z.lazy(() =>
  z
    .strictObject({
      set: envData().optional(),
      unset: z.array(envKey).max(1000).optional(),
      description: description().nullable().optional().describe('null removes the description'),
      tags: keyedRecord(tagKey, tagValue.nullable())
        .optional()
        .describe('Merged into the tags; null removes a tag'),
    })
    .refine((body) => Object.values(body).some((value) => value !== undefined), 'nothing to change'),
);
export type PatchSecretBody = z.output<typeof patchSecretBody>;

export const cloneSecretBody = z.lazy(() =>
  z.strictObject({
    name: secretName,
    connection: connectionId.optional().describe("Defaults to the source secret's connection"),
    description: description().optional(),
    tags: tags().optional(),
  }),
);
export type CloneSecretBody = z.output<typeof cloneSecretBody>;

export const importSecretBody = z.lazy(() =>
  z.strictObject({
    connection: connectionId,
    ref: z.string().min(1).max(2048).describe("The vault's own name, ARN or path of the secret"),
    name: secretName.optional().describe('Defaults to the last segment of ref'),
    type: z.enum(['env', 'file']).optional().describe('Detected when absent: a flat key/value map is env'),
    description: description().optional(),
    tags: tags().optional(),
  }),
);
export type ImportSecretBody = z.output<typeof importSecretBody>;

export const rollbackSecretBody = z.lazy(() =>
  z.strictObject({
    version: z
      .number()
      .int()
      .min(1)
      .describe('The version whose value becomes current again, as a new version'),
  }),
);

const booleanQuery = () => z.enum(['true', 'false']).transform((value) => value === 'true');
const limit = () => z.coerce.number().int().min(1).max(100).default(20);
const cursor = () => z.string().max(2048);

export const listSecretsQuery = z.lazy(() =>
  z.strictObject({
    limit: limit(),
    cursor: cursor().optional(),
    prefix: z
      .string()
      .regex(
        /^[A-Za-z0-9._/-]{1,128}$/,
        'must be the start of a secret name (a path prefix such as payments/)',
      )
      .optional(),
    type: z.enum(['env', 'file']).optional(),
    connection: connectionId.optional(),
    tag: z.string().max(400).optional().describe('`key` or `key=value`'),
    includeDeleted: booleanQuery().optional(),
  }),
);

export const readValueQuery = z.lazy(() =>
  z.strictObject({
    version: z.coerce.number().int().min(1).optional(),
    format: z.enum(['json', 'dotenv', 'raw']).default('json'),
  }),
);

export const deleteSecretQuery = z.lazy(() =>
  z.strictObject({
    force: booleanQuery().optional(),
    recoveryWindowDays: z.coerce.number().int().min(7).max(30).optional(),
  }),
);

export const pageQuery = z.lazy(() => z.strictObject({ limit: limit(), cursor: cursor().optional() }));

export const nameParams = z.lazy(() => z.strictObject({ name: secretName }));

// Responses (documented in OpenAPI; built from domain records by secret-views.ts).
const fileMetadata = () => ({
  filename: z.string(),
  encoding: z.enum(['utf8', 'base64']),
  mountPath: z.string().optional(),
  mode: z.string().optional(),
});

export const secretMetadataResponse = z.lazy(() =>
  z.object({
    name: z.string(),
    type: z.enum(['env', 'file']),
    connection: z.string(),
    vaultRef: z.string(),
    imported: z.boolean().optional().describe('Adopted from the vault, which stays the source of truth'),
    version: z.number().int(),
    keys: z.array(z.string()).describe('Key names of an env secret; never values'),
    file: z.object(fileMetadata()).optional(),
    description: z.string().optional(),
    tags: z.record(z.string(), z.string()),
    size: z.number().int(),
    createdAt: z.string(),
    createdBy: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
    deletedAt: z.string().optional(),
    deletionDate: z.string().optional(),
    rotation: rotationView.optional().describe('Rotation settings and status (never a value)'),
  }),
);

export const secretListResponse = z.lazy(() =>
  z.object({
    items: z.array(secretMetadataResponse),
    cursor: z.string().optional(),
  }),
);

export const secretValueResponse = z.lazy(() =>
  z.object({
    name: z.string(),
    version: z.number().int(),
    data: z.record(z.string(), z.string()).optional(),
    file: z.object({ ...fileMetadata(), content: z.string() }).optional(),
  }),
);

const versionResponse = () =>
  z.object({
    version: z.number().int(),
    action: z.enum(['create', 'replace', 'patch', 'rollback', 'clone', 'import', 'rotate']),
    sourceVersion: z.number().int().optional(),
    keys: z.array(z.string()),
    size: z.number().int(),
    createdAt: z.string(),
    createdBy: z.string(),
    current: z.boolean(),
  });

export const versionListResponse = z.lazy(() =>
  z.object({
    items: z.array(versionResponse()),
    cursor: z.string().optional(),
  }),
);

export const deleteSecretResponse = z.lazy(() => z.object({ name: z.string(), deletionDate: z.string() }));
