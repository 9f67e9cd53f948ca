/**
 * How a tenant's requests reach the table and the deployment's own Secrets Manager.
 *
 * - AWS: on the tenant's own session (tenant-sessions.ts): credentials whose session policy allows
 *   that tenant's items and secrets only, so a bug in secretm that asks for another tenant's is
 *   refused by IAM.
 * - Local mode: DynamoDB Local checks no IAM, so the table client is the deployment's own.
 * - Both: every table client carries the guard (table-guard.ts) with the same rules the session
 *   policy is made of, so a request outside the tenant's items fails before it is sent.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../store/dynamo-client.ts';
import { auditOnlyTableRules, tenantTableDenials, tenantTableRules } from './table-access.ts';
import { guardedTableClient } from './table-guard.ts';
import type { CredentialsProvider, SessionPurpose, TenantSessions } from './tenant-sessions.ts';

export interface TenantAccess {
  /** The table as one tenant's requests (or one audit write into its audit) may use it. */
  table(tenant: string, purpose?: SessionPurpose): DynamoDBDocumentClient;
  /** AWS only: the tenant's credentials, for Secrets Manager (an audit session: its audit key only). */
  awsCredentials?(tenant: string, purpose?: SessionPurpose): CredentialsProvider;
}

const rulesFor = (tenant: string, purpose: SessionPurpose) =>
  purpose === 'tenant' ? tenantTableRules(tenant) : auditOnlyTableRules(tenant);
const denialsFor = (purpose: SessionPurpose) => (purpose === 'tenant' ? tenantTableDenials : []);

/** Keeps one client per key, the least recently used going first past `max`. */
function bounded<T>(max: number, make: (key: string) => T): (key: string) => T {
  const kept = new Map<string, T>();
  return (key) => {
    const found = kept.get(key);
    if (found !== undefined) {
      kept.delete(key);
      kept.set(key, found);
      return found;
    }
    const made = make(key);
    kept.set(key, made);
    if (kept.size > max) kept.delete(kept.keys().next().value!);
    return made;
  };
}

export function localTenantAccess(client: DynamoDBDocumentClient): TenantAccess {
  const table = bounded(1_000, (key) => {
    const [purpose, tenant] = key.split('\n') as [SessionPurpose, string];
    return guardedTableClient(client, rulesFor(tenant, purpose), denialsFor(purpose));
  });
  return { table: (tenant, purpose = 'tenant') => table(`${purpose}\n${tenant}`) };
}

export function awsTenantAccess(options: {
  sessions: TenantSessions;
  region: string;
  /** DynamoDB endpoint (tests); the region's by default. */
  dynamodbEndpoint?: string;
}): TenantAccess {
  const table = bounded(500, (key) => {
    const [purpose, tenant] = key.split('\n') as [SessionPurpose, string];
    const client = createDocumentClient({
      region: options.region,
      ...(options.dynamodbEndpoint ? { endpoint: options.dynamodbEndpoint } : {}),
      credentials: options.sessions.credentials(tenant, purpose),
    });
    return guardedTableClient(client, rulesFor(tenant, purpose), denialsFor(purpose));
  });
  return {
    table: (tenant, purpose = 'tenant') => table(`${purpose}\n${tenant}`),
    awsCredentials: (tenant, purpose = 'tenant') => options.sessions.credentials(tenant, purpose),
  };
}
