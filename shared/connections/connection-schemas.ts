/** Request and response shapes of the connections API. Credentials are accepted, never answered. */
import * as z from 'zod';
import { vaultKinds } from '../providers/provider.ts';
import { connectionId } from '../validation/names.ts';

const pem = z
  .string()
  .max(16_384)
  .regex(/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/, 'must be a PEM certificate');
const url = z.string().min(1).max(2048);
const mount = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9_./-]{0,127}$/, 'must be a mount path such as secret');
const secretText = (max: number) => z.string().min(1).max(max);

const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1');

export const awsConfig = z.strictObject({
  region: awsRegion,
  endpoint: url.optional().describe('A private (VPC) or test endpoint'),
  roleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN')
    .optional(),
  externalId: z.string().min(2).max(1224).optional(),
  kmsKeyId: z.string().min(1).max(2048).optional(),
  namePrefix: z
    .string()
    .regex(/^[A-Za-z0-9/_+=.@-]{0,64}$/, 'must be at most 64 of A–Z a–z 0–9 / _ + = . @ -')
    .optional(),
  replicaRegions: z
    .array(awsRegion)
    .max(20)
    .refine((regions) => new Set(regions).size === regions.length, 'must name each region once')
    .optional()
    .describe('Regions every new secret is replicated to (each replica is billed as a secret)'),
});
export const awsCredentials = z.strictObject({
  accessKeyId: secretText(128),
  secretAccessKey: secretText(256),
  sessionToken: secretText(4096).optional(),
});

export const vaultConfig = z.strictObject({
  url,
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*\/?$/, 'must be a namespace path such as team/a')
    .optional(),
  caCert: pem.optional(),
  engine: z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('kv-v2'),
      mount,
      path: z
        .string()
        .max(512)
        .regex(
          /^(?!.*(^|\/)\.{1,2}(\/|$))[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/,
          'must be a folder path under the mount such as teams/payments',
        )
        .optional()
        .describe('Folder under the mount where new secrets go and discover looks, e.g. teams/payments'),
    }),
    z.strictObject({ type: z.literal('database'), mount, role: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/) }),
  ]),
});
export const vaultCredentials = z.union([
  z.strictObject({ roleId: secretText(256), secretId: secretText(256) }),
  z.strictObject({ token: secretText(4096) }),
]);

export const azureConfig = z.strictObject({ vaultUrl: url, caCert: pem.optional() });
export const azureCredentials = z.strictObject({
  tenantId: secretText(64),
  clientId: secretText(64),
  clientSecret: secretText(1024),
});

export const localConfig = z.strictObject({});

/** Each kind's settings and credentials schema, and whether credentials are required. */
export const kindSchemas = {
  'aws-secrets-manager': { config: awsConfig, credentials: awsCredentials, credentialsRequired: false },
  'hashicorp-vault': { config: vaultConfig, credentials: vaultCredentials, credentialsRequired: true },
  'azure-key-vault': { config: azureConfig, credentials: azureCredentials, credentialsRequired: true },
  local: { config: localConfig, credentials: z.strictObject({}), credentialsRequired: false },
} as const;

const cacheTtlSeconds = z.number().int().min(0).max(86_400).default(300);

export const createConnectionBody = z.strictObject({
  name: connectionId.describe('The connection id secrets refer to'),
  kind: z.enum(vaultKinds),
  config: z.record(z.string(), z.unknown()).describe("The kind's settings (see the README)"),
  credentials: z.record(z.string(), z.unknown()).optional().describe('Stored in a vault, never returned'),
  cacheTtlSeconds,
});
export type CreateConnectionBody = z.output<typeof createConnectionBody>;

export const updateConnectionBody = z
  .strictObject({
    config: z.record(z.string(), z.unknown()).optional(),
    credentials: z.record(z.string(), z.unknown()).optional(),
    cacheTtlSeconds: z.number().int().min(0).max(86_400).optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'nothing to change');
export type UpdateConnectionBody = z.output<typeof updateConnectionBody>;

export const connectionResponse = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(vaultKinds),
  config: z.record(z.string(), z.unknown()),
  hasCredentials: z.boolean(),
  cacheTtlSeconds: z.number().int(),
  version: z.number().int(),
  builtIn: z.boolean(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
});

export const connectionCheckResponse = z.object({
  ok: z.boolean(),
  steps: z.array(z.object({ step: z.string(), ok: z.boolean(), message: z.string() })),
});

export const discoverResponse = z.object({
  items: z.array(
    z.object({ ref: z.string(), createdAt: z.string().optional(), updatedAt: z.string().optional() }),
  ),
  cursor: z.string().optional(),
});
