/**
 * The rotation API's shapes: `PUT /v1/secrets/{name}/rotation` takes a schedule, a strategy and its
 * options (or `{ enabled: false }`), `POST /v1/secrets/{name}/rotate` answers the outcome. Strict, with
 * defaults filled in, so what is stored is complete. Each exported schema is built the first time it
 * is used (`z.lazy`), not when the module loads, as the secrets API's are (secret-schemas.ts).
 */
import * as z from 'zod';
import { envKey, secretName } from '../validation/names.ts';
import { defaultPasswordPolicy, type PasswordPolicy } from './password-policy.ts';

const policyShape = (defaults: PasswordPolicy) =>
  z
    .strictObject({
      length: z.number().int().min(8).max(4096).default(defaults.length),
      lowercase: z.boolean().default(defaults.lowercase),
      uppercase: z.boolean().default(defaults.uppercase),
      digits: z.boolean().default(defaults.digits),
      symbols: z.boolean().default(defaults.symbols),
      exclude: z.string().max(256).default(defaults.exclude).describe('Characters never used'),
      requireEachClass: z.boolean().default(defaults.requireEachClass),
    })
    .default(defaults)
    .describe('Password policy of new values');

/** Database passwords leave out what connection strings and shells trip over (AWS's RDS default). */
export const databasePasswordPolicy: PasswordPolicy = { ...defaultPasswordPolicy, exclude: ' /@"\'\\' };

const schedule = () =>
  z
    .string()
    .min(1)
    .max(256)
    .describe('EventBridge syntax, in UTC: rate(30 days), rate(12 hours), cron(0 4 1 * ? *)');

export const rotationBody = z.lazy(() =>
  z.union([
    z.strictObject({ enabled: z.literal(false).describe('Turns rotation off') }),
    z.discriminatedUnion('strategy', [
      z.strictObject({
        enabled: z.literal(true).optional(),
        schedule: schedule(),
        strategy: z.literal('random'),
        options: z.strictObject({
          keys: z.array(envKey).min(1).max(100).describe('The keys given new random values'),
          policy: policyShape(defaultPasswordPolicy),
        }),
      }),
      z.strictObject({
        enabled: z.literal(true).optional(),
        schedule: schedule(),
        strategy: z.literal('database'),
        options: z
          .strictObject({
            mode: z.enum(['single-user', 'alternating-users']).default('single-user'),
            masterSecret: secretName
              .optional()
              .describe(
                'A secret with admin credentials on the same database (required for alternating users)',
              ),
            tls: z.enum(['verify-full', 'require', 'disable']).default('verify-full'),
            policy: policyShape(databasePasswordPolicy),
          })
          .default({ mode: 'single-user', tls: 'verify-full', policy: databasePasswordPolicy }),
      }),
      z.strictObject({
        enabled: z.literal(true).optional(),
        schedule: schedule(),
        strategy: z.literal('vault-dynamic'),
        options: z
          .strictObject({
            renewAtFraction: z
              .number()
              .min(0.1)
              .max(0.9)
              .default(2 / 3)
              .describe('Renew, or issue anew, once this share of the lease has passed'),
          })
          .default({ renewAtFraction: 2 / 3 }),
      }),
    ]),
  ]),
);
export type RotationBody = z.output<typeof rotationBody>;

export const disableRotationQuery = z.lazy(() =>
  z.strictObject({
    discardPending: z
      .enum(['true', 'false'])
      .transform((value) => value === 'true')
      .optional()
      .describe('Also drop a pending rotation that cannot finish (the current value stays current)'),
  }),
);

const rotationStep = () => z.enum(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);

/** The rotation part of a secret's metadata in API answers. */
export const rotationView = z.lazy(() =>
  z.object({
    enabled: z.boolean(),
    schedule: z.string().optional(),
    strategy: z.enum(['random', 'database', 'vault-dynamic']).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    nextRotationAt: z.string().optional(),
    lastRotatedAt: z.string().optional(),
    lastAttemptAt: z.string().optional(),
    lastError: z
      .object({ code: z.string(), message: z.string(), step: rotationStep().optional() })
      .optional(),
    consecutiveFailures: z.number().int(),
    pending: z.object({ step: rotationStep(), startedAt: z.string() }).optional(),
    leaseExpiresAt: z.string().optional(),
  }),
);

export const rotationOutcomeResponse = z.lazy(() =>
  z.object({
    name: z.string(),
    outcome: z.enum(['rotated', 'renewed', 'skipped']),
    version: z.number().int(),
    nextRotationAt: z.string().optional(),
    reason: z.string().optional(),
  }),
);
