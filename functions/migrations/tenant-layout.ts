/**
 * The layout migration in AWS (shared/tenancy/layout-migration.ts), run by the operator after the
 * deploy that brings tenant isolation: `aws lambda invoke --function-name <LayoutMigrationFunctionName>`
 * again while the answer says `"done": false`. Nothing else invokes it (no schedule, no API route).
 *
 * It runs on its own narrow role (infra/constructs/secretm-layout-migration.ts): the table (a scan:
 * it must see every tenant) and secretm's secrets in both layouts, nothing else; no tenant session,
 * no operator key. A run stops starting new work a minute before the function's time is up, and
 * answers what it did: counts, and the names (never the values) of what it skipped or left
 * unreachable.
 */
import type { Clock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config.ts';
import { ValidationError } from '../../shared/errors.ts';
import { createAwsSecretsManagerProvider } from '../../shared/providers/aws-secrets-manager.ts';
import { createDocumentClient } from '../../shared/store/dynamo-client.ts';
import {
  type LayoutMigrationDeps,
  type LayoutMigrationSummary,
  migrateToTenantLayout,
} from '../../shared/tenancy/layout-migration.ts';
import { vaultNamespace } from '../../shared/tenancy/vault-namespace.ts';

/** What Lambda's context offers that the run needs. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/** Left of the function's time when a run stops starting work: one secret's move and the answer fit in it. */
export const reserveMs = 60_000;

export type MigrationFunctionDeps = Omit<LayoutMigrationDeps, 'timeLeft'>;

/** The migration's deps in AWS: the table on the function's own role, the stage's Secrets Manager. */
export function migrationDeps(
  config: Readonly<Config>,
  overrides: { clock?: Clock; awsCredentials?: { accessKeyId: string; secretAccessKey: string } } = {},
): MigrationFunctionDeps {
  const credentials = overrides.awsCredentials ? { credentials: overrides.awsCredentials } : {};
  return {
    client: createDocumentClient({
      region: config.region,
      ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
      ...credentials,
    }),
    tableName: config.tableName,
    vault: createAwsSecretsManagerProvider({
      region: config.region,
      ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
      // Copies are replicated as the built-in connection replicates what it creates.
      ...(config.replicaRegions ? { replicaRegions: config.replicaRegions } : {}),
      ...credentials,
    }),
    builtInConnection: 'aws',
    legacyPrefix: 'secretm/',
    namespace: vaultNamespace(config.stage),
    // The stack generated a new operator key into its secret; the API functions install that one.
    legacyOperatorKey: 'drop',
    auditRetentionDays: config.auditRetentionDays,
    ...(overrides.clock ? { clock: overrides.clock } : {}),
  };
}

export function runMigration(
  deps: MigrationFunctionDeps,
  context: InvocationContext,
): Promise<LayoutMigrationSummary> {
  return migrateToTenantLayout({ ...deps, timeLeft: () => context.getRemainingTimeInMillis() - reserveMs });
}

let deps: Promise<MigrationFunctionDeps> | undefined;

export async function handler(_event: unknown, context: InvocationContext): Promise<LayoutMigrationSummary> {
  deps ??= (async () => {
    const { readConfig } = await import('../../shared/config.ts');
    // Without its stage the function would move secrets into another stage's namespace.
    if (!process.env.SECRETM_STAGE) throw new ValidationError('SECRETM_STAGE is not set');
    return migrationDeps(readConfig());
  })();
  deps.catch(() => {
    deps = undefined;
  });
  return runMigration(await deps, context);
}
