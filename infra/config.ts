/**
 * What a customer may configure about a secretm deployment, validated at synth with errors that name
 * the setting and say what is wrong. The `Secretm` construct validates its props with this schema, so
 * a customer's own CDK app gets the same checks as `npx cdk synth` here (context `secretm`, cdk.json).
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as z from 'zod';
import { priceOverrides } from '../shared/costs/prices.ts';
import { vaultKinds } from '../shared/providers/provider.ts';
import { tenantId } from '../shared/validation/names.ts';

/** The stage name that turns on deletion protection and stack termination protection. */
export const productionStage = 'prod';

const retentionDays = Object.values(RetentionDays).filter(
  (value): value is number => typeof value === 'number',
);

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region such as eu-west-1');
const kmsKeyArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
    'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)',
  );
const roleArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
  );

/** The root of every name secretm gives its own secrets: `secretm/<stage>/…` (shared/tenancy/vault-namespace.ts). */
const ownNamespace = 'secretm/';

/**
 * Whether an importable name or prefix could name one of secretm's own secrets: a name under
 * `secretm/`, or a prefix that `secretm/` itself starts with (`sec*`). Compared without case, as
 * secretm spells its namespace segments in lower case whatever a ref says (canonical-ref.ts).
 */
export function reachesOwnNamespace(entry: string): boolean {
  const lower = entry.toLowerCase();
  return lower.endsWith('*')
    ? lower.startsWith(ownNamespace) || ownNamespace.startsWith(lower.slice(0, -1))
    : lower.startsWith(ownNamespace);
}

const importableName = z
  .string()
  .regex(
    /^[A-Za-z0-9/_+=.@-]{1,512}\*?$/,
    'must be a secret name, or a name prefix ending in * (at least one character before it)',
  )
  .refine((entry) => !reachesOwnNamespace(entry), {
    error:
      'must not start with secretm/ (nor be a prefix of it): secretm/ is secretm’s own namespace, where every ' +
      'stage keeps its tenants’ secrets and its system secrets (the operator key, connection credentials), ' +
      'so no tenant may adopt a secret there',
  });

/** Whether two importable entries can name the same secret (an exact name, or a prefix ending in `*`). */
export function importableOverlap(a: string, b: string): boolean {
  const covers = (prefix: string, other: string) =>
    prefix.endsWith('*') && other.startsWith(prefix.slice(0, -1));
  return a === b || covers(a, b.replace(/\*$/, '')) || covers(b, a.replace(/\*$/, ''));
}

/** API functions' reserved concurrency by default: 50 instances at 100 requests a second is 500 ms each. */
export const defaultReservedConcurrency = 50;
const reservedConcurrencyError = 'must be a whole number of instances (1–1000), or false to reserve none';

/** 03:00 UTC on the 2nd: counters an instance flushes late still land in the month they belong to. */
export const defaultRollupSchedule = 'cron(0 3 2 * ? *)';

const rateUnits = ['minute', 'hour', 'day'];

/**
 * An EventBridge Scheduler expression: `rate(<n> <unit>)` (minute/hour/day, singular for 1) or
 * `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)` with `?` in exactly one of the
 * two day fields. Checked here so a typo fails the synth instead of the deployment.
 */
const scheduleExpression = z.string().superRefine((expression, ctx) => {
  const rate = /^rate\((\d+) ([a-z]+)\)$/.exec(expression);
  if (rate) {
    const [, value = '', unit = ''] = rate;
    const count = Number(value);
    const expected = count === 1 ? rateUnits : rateUnits.map((name) => `${name}s`);
    if (count < 1 || !expected.includes(unit)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${expression}" is not a rate: write rate(1 day) or rate(<n> minutes|hours|days), n ≥ 1`,
      });
    }
    return;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  const fields = cron?.[1]?.split(' ') ?? [];
  const wellFormed = fields.length === 6 && fields.every((field) => /^[0-9A-Za-z*?,/#-]+$/.test(field));
  if (!cron || !wellFormed) {
    ctx.addIssue({
      code: 'custom',
      message:
        `"${expression}" is not a schedule expression: write cron(<minutes> <hours> <day-of-month> ` +
        '<month> <day-of-week> <year>), e.g. "cron(0 3 2 * ? *)", or rate(<n> <unit>)',
    });
    return;
  }
  if ((fields[2] === '?') === (fields[4] === '?')) {
    ctx.addIssue({
      code: 'custom',
      message: `"${expression}": exactly one of day-of-month and day-of-week must be ?`,
    });
  }
});

const noAuthorizer = z.strictObject({
  /** No API Gateway authorizer: the functions authenticate API keys (`Authorization: Bearer smk_…`). */
  mode: z.literal('none'),
});

const jwtAuthorizer = z.strictObject({
  /** API Gateway's JWT authorizer on every scoped route; tenant and scopes come from the token's claims. */
  mode: z.literal('jwt'),
  /** The token issuer (`iss`), e.g. https://cognito-idp.<region>.amazonaws.com/<pool id>. */
  issuer: z.url({ protocol: /^https$/, error: 'must be an https URL (the JWT issuer)' }),
  /** Accepted audiences (`aud`, or `client_id` for Cognito access tokens); at least one. */
  audience: z.array(z.string().min(1)).min(1, 'name at least one audience'),
  /** The claim that holds the tenant id. */
  tenantClaim: z.string().min(1).default('tenant'),
  /** Where API Gateway reads the token. */
  identitySource: z
    .string()
    .regex(/^\$request\.header\.[A-Za-z0-9-]+$/, 'must be $request.header.<name>')
    .default('$request.header.Authorization'),
  /**
   * A second endpoint, without the authorizer, for API keys: API Gateway rejects every request without
   * a valid JWT on an authorized route, so API keys cannot share the JWT endpoint.
   */
  apiKeyEndpoint: z.boolean().default(true),
});

const iamAuthorizer = z.strictObject({ mode: z.literal('iam') });

const subnetId = z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id (subnet-…)');
const securityGroupId = z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id (sg-…)');
const snsTopicArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/,
    'must be the ARN of a standard SNS topic (arn:aws:sns:<region>:<account>:<name>; CloudWatch alarms cannot notify a FIFO topic)',
  );

/**
 * The network the functions that reach private addresses run in. Without it they run in Lambda's own
 * network and reach only public endpoints.
 */
const vpcPlacement = z.strictObject({
  /** Subnets in at least two Availability Zones, with a route to what the functions call (see docs/deployment.md). */
  subnetIds: z
    .array(subnetId)
    .min(1, 'name at least one subnet')
    .max(16, 'Lambda accepts at most 16 subnets'),
  /** Security groups whose egress rules let the functions reach their databases, vaults and AWS endpoints. */
  securityGroupIds: z
    .array(securityGroupId)
    .min(1, 'name at least one security group')
    .max(5, 'Lambda accepts at most 5 security groups'),
  /** The API functions run in it too (connection tests, discover and on-demand rotation of private vaults and databases). */
  apiFunctions: z.boolean().default(false),
});

const layerSharing = z.strictObject({
  /** Accounts whose functions may use the layer. */
  accountIds: z.array(accountId).default([]),
  /** An AWS Organizations id: every account of the organisation may use the layer. */
  organizationId: z
    .string()
    .regex(/^o-[a-z0-9]{10,32}$/, 'must be an AWS Organizations id (o-…)')
    .optional(),
});

export const secretmConfigSchema = z
  .strictObject({
    /** Names the stack and resources; `prod` turns on deletion and termination protection. */
    stage: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be 1–20 of a–z 0–9 - and start with a letter')
      .default('dev'),
    vaults: z
      .strictObject({
        /** Vault kinds connections may use. `local` needs a disk and exists only in local mode. */
        allowed: z
          .array(z.enum(vaultKinds))
          .min(1, 'allow at least one vault kind')
          .default(['aws-secrets-manager']),
        awsSecretsManager: z
          .strictObject({
            /** Regions secretm's own secrets are replicated to (each replica is billed as a secret). */
            replicaRegions: z.array(region).default([]),
            /** Customer-managed KMS keys secrets are encrypted with (else AWS's aws/secretsmanager key). */
            kmsKeyArns: z.array(kmsKeyArn).default([]),
            /** Roles connections may assume to reach secrets in other accounts. */
            assumeRoleArns: z.array(roleArn).default([]),
            /**
             * Existing secrets of this account each tenant may import (and then read and write where
             * they are), by tenant id: exact names, or prefixes ending in `*` such as
             * `{ "payments": ["legacy/payments/*", "shared-db"] }`. A tenant's requests reach its own
             * entries only; one secret belongs to one tenant.
             */
            importable: z
              .record(tenantId, z.array(importableName), {
                error: (issue) =>
                  issue.code === 'invalid_key'
                    ? 'must be a tenant id (1–63 of a–z 0–9 - and start with a letter or digit)'
                    : issue.code === 'invalid_type'
                      ? 'must list the names by tenant: { "<tenant>": ["name", "prefix/*"] } (a plain list ' +
                        'was the format before tenants had their own)'
                      : undefined,
              })
              .default({}),
          })
          .prefault({}),
      })
      .prefault({}),
    auth: z
      .discriminatedUnion('mode', [noAuthorizer, jwtAuthorizer, iamAuthorizer])
      .prefault({ mode: 'none' }),
    layer: z
      .strictObject({
        /**
         * A layer built elsewhere to publish as it is (a folder holding `nodejs/node_modules/secretm`);
         * without it the layer is built from its sources at synth. A folder without a built layer fails the synth.
         */
        assetPath: z.string().min(1).optional(),
        shareWith: layerSharing.prefault({}),
      })
      .prefault({}),
    api: z
      .strictObject({
        /** Stage-wide throttling: steady requests per second, and the burst above it. */
        throttle: z
          .strictObject({
            rateLimit: z.number().int().min(1).max(10_000).default(100),
            burstLimit: z.number().int().min(1).max(5_000).default(200),
          })
          .prefault({}),
        /**
         * Concurrency reserved for each API function: at most that many instances of a family run at
         * once, whatever the traffic or a slow vault, and the rest of the account keeps its share.
         * `false` reserves none (for an account whose concurrency limit is too low to reserve from).
         */
        reservedConcurrency: z
          .union(
            [
              z
                .number()
                .int(reservedConcurrencyError)
                .min(1, reservedConcurrencyError)
                .max(1000, reservedConcurrencyError),
              z.literal(false),
            ],
            { error: reservedConcurrencyError },
          )
          .default(defaultReservedConcurrency),
      })
      .prefault({}),
    /**
     * The web console, served by the API at `/` (docs/console.md). It signs in with API keys, so it is
     * served on the API that takes them: the API itself, or in `jwt` mode the API-key API. Left out,
     * it is served wherever there is such an API; `false` leaves it out; `true` asks for it.
     */
    console: z.boolean().optional(),
    /** A VPC for the rotation worker and, optionally, the API functions (private databases and vaults). */
    vpc: vpcPlacement.optional(),
    /** Where the alarms (docs/deployment.md, "Alarms") notify. */
    alarms: z
      .strictObject({
        /** An SNS topic every alarm notifies, when it goes into ALARM and back to OK; none by default. */
        topicArn: snsTopicArn.optional(),
      })
      .prefault({}),
    /** Scheduled rotation: an EventBridge Scheduler schedule starts the dispatcher, which hands due secrets to the worker. */
    rotation: z
      .strictObject({
        /** Off, nothing rotates on a schedule (POST /v1/secrets/{name}/rotate still rotates on demand). */
        enabled: z.boolean().default(true),
        /** How often the dispatcher looks for due secrets, in minutes. */
        everyMinutes: z.number().int().min(1).max(1440).default(5),
        /** Secrets handed to the worker per run, at most; the rest wait for the next run. */
        perRun: z.number().int().min(1).max(5000).default(500),
        /** Rotations running at once. */
        concurrency: z.number().int().min(1).max(40).default(10),
      })
      .prefault({}),
    /** Cost reports: the vaults' prices, and when last month is rolled up. */
    costs: z
      .strictObject({
        /**
         * Changes to the default price table, per vault kind: `secretMonth` and `callBlock` in dollars
         * as decimal strings ("0.40"), `callsPerBlock` a whole number. Handed to the functions that
         * build cost reports as SECRETM_PRICES.
         */
        prices: priceOverrides.optional(),
        /** When the monthly roll-up of last month's cost reports runs (UTC). */
        rollupSchedule: scheduleExpression.default(defaultRollupSchedule),
      })
      .prefault({}),
    /** CloudWatch retention of function and access logs, in days (a value CloudWatch accepts). */
    logRetentionDays: z
      .number()
      .refine((days) => retentionDays.includes(days), {
        error: `must be one of CloudWatch's retention periods: ${retentionDays.join(', ')}`,
      })
      .default(90),
    /**
     * How long audit events stay in the table before DynamoDB TTL removes them, in days (the hourly
     * digests that cover them stay at least as long, and a week more).
     */
    auditRetentionDays: z.number().int().min(1).max(3650).default(400),
    /** The connection a secret uses when its request names none. */
    defaultConnection: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a connection id')
      .optional(),
    /** What happens to the table, its key, the layer and the log groups when the stack is deleted. */
    removalPolicy: z.enum(['retain', 'destroy']).default('retain'),
  })
  .superRefine((config, ctx) => {
    if (config.auth.mode === 'iam') {
      ctx.addIssue({
        code: 'custom',
        path: ['auth', 'mode'],
        message:
          'iam is not supported: SigV4 takes the Authorization header API keys use, and the API does not ' +
          'map an IAM caller to a tenant yet; use "none" (API keys) or "jwt"',
      });
    }
    if (config.vaults.allowed.includes('local')) {
      ctx.addIssue({
        code: 'custom',
        path: ['vaults', 'allowed'],
        message: 'the local vault keeps values on a disk and exists only in local mode (npm start)',
      });
    }
    if (config.stage === productionStage && config.removalPolicy === 'destroy') {
      ctx.addIssue({
        code: 'custom',
        path: ['removalPolicy'],
        message: `stage ${productionStage} keeps its data: removalPolicy must be "retain"`,
      });
    }
    const { awsSecretsManager, allowed } = config.vaults;
    const usesAws = allowed.includes('aws-secrets-manager');
    const awsSettings = [
      awsSecretsManager.replicaRegions,
      awsSecretsManager.kmsKeyArns,
      awsSecretsManager.assumeRoleArns,
      Object.values(awsSecretsManager.importable).flat(),
    ];
    if (!usesAws && awsSettings.some((setting) => setting.length > 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['vaults', 'awsSecretsManager'],
        message: 'Secrets Manager settings need "aws-secrets-manager" in vaults.allowed',
      });
    }
    if (new Set(awsSecretsManager.replicaRegions).size !== awsSecretsManager.replicaRegions.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['vaults', 'awsSecretsManager', 'replicaRegions'],
        message: 'lists a region twice',
      });
    }
    const entries = Object.entries(awsSecretsManager.importable).flatMap(([tenant, names]) =>
      names.map((name) => ({ tenant, name })),
    );
    for (const [i, a] of entries.entries()) {
      const clash = entries
        .slice(i + 1)
        .find((b) => b.tenant !== a.tenant && importableOverlap(a.name, b.name));
      if (clash) {
        ctx.addIssue({
          code: 'custom',
          path: ['vaults', 'awsSecretsManager', 'importable', a.tenant],
          message:
            `"${a.name}" and tenant ${clash.tenant}'s "${clash.name}" can name the same secret: an ` +
            'importable secret belongs to one tenant',
        });
      }
    }
    for (const [list, ids] of [
      ['subnetIds', config.vpc?.subnetIds ?? []],
      ['securityGroupIds', config.vpc?.securityGroupIds ?? []],
    ] as const) {
      if (new Set(ids).size !== ids.length) {
        ctx.addIssue({ code: 'custom', path: ['vpc', list], message: 'lists an id twice' });
      }
    }
    if (config.console === true && config.auth.mode === 'jwt' && !config.auth.apiKeyEndpoint) {
      ctx.addIssue({
        code: 'custom',
        path: ['console'],
        message:
          'the console signs in with API keys, which the JWT API does not take: turn auth.apiKeyEndpoint ' +
          'on (the console is served there) or leave the console out',
      });
    }
    if (config.api.throttle.burstLimit < config.api.throttle.rateLimit) {
      ctx.addIssue({
        code: 'custom',
        path: ['api', 'throttle', 'burstLimit'],
        message: 'must be at least rateLimit',
      });
    }
  });

/** The configuration as a customer writes it (every field optional). */
export type SecretmConfigInput = z.input<typeof secretmConfigSchema>;
/** The configuration with defaults applied. */
export type SecretmConfig = z.output<typeof secretmConfigSchema>;
export type JwtAuthConfig = Extract<SecretmConfig['auth'], { mode: 'jwt' }>;

export class SecretmConfigError extends Error {
  override name = 'SecretmConfigError';
}

/** Validates a configuration; every problem is listed at once, each with the setting it is about. */
export function parseSecretmConfig(input: unknown, source = 'secretm configuration'): SecretmConfig {
  const result = secretmConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return `  - ${where}: ${issue.message}`;
  });
  throw new SecretmConfigError(`${source} is invalid:\n${problems.join('\n')}`);
}

/** Context values arrive as objects from cdk.json and as JSON strings from `-c secretm='{…}'`. */
export function configFromContext(value: unknown): SecretmConfig {
  if (typeof value !== 'string') return parseSecretmConfig(value, 'context "secretm"');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new SecretmConfigError(
      'context "secretm" is not valid JSON (pass -c secretm=\'{"stage":"prod"}\')',
    );
  }
  return parseSecretmConfig(parsed, 'context "secretm"');
}
