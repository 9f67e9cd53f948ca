/**
 * A tenant's AWS credentials in an AWS deployment: the function assumes the tenant-access role with
 * the tenant's session policy (session-policy.ts), keeps the credentials in the warm sandbox until
 * five minutes before they expire, and asks STS once however many requests wait. Credentials that
 * cannot be obtained are a ProviderUnavailableError (503): a request never falls back to the
 * function's own role.
 */
import { ProviderUnavailableError } from '../errors.ts';
import { createRoleCredentials, type RoleCredentials } from '../providers/aws-assume-role.ts';
import { auditOnlySessionPolicy, type TenantAccessScope, tenantSessionPolicy } from './session-policy.ts';

/** What a session is for: a tenant's requests, or writing one audit event into a tenant's audit. */
export type SessionPurpose = 'tenant' | 'audit';

export interface TenantSessionOptions {
  /** The tenant-access role every tenant session assumes. */
  roleArn: string;
  scope: TenantAccessScope;
  region: string;
  /** STS endpoint (tests: moto); the region's by default. */
  endpoint?: string;
  /** The credentials that assume the role; the function's own by default. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  sessionSeconds?: number;
  /** Tenants whose sessions are kept at once; the least recently used goes first. */
  maxTenants?: number;
}

export type CredentialsProvider = () => Promise<RoleCredentials>;

export interface TenantSessions {
  credentials(tenant: string, purpose?: SessionPurpose): CredentialsProvider;
}

const refreshMarginMs = 5 * 60_000;
const stsTimeoutMs = 5_000;

export function createTenantSessions(options: TenantSessionOptions): TenantSessions {
  const sessions = new Map<string, CredentialsProvider>();
  const maxTenants = options.maxTenants ?? 500;
  return {
    credentials(tenant, purpose = 'tenant') {
      const key = `${purpose}\n${tenant}`;
      const known = sessions.get(key);
      if (known) {
        sessions.delete(key);
        sessions.set(key, known);
        return known;
      }
      const policy =
        purpose === 'tenant'
          ? tenantSessionPolicy(tenant, options.scope)
          : auditOnlySessionPolicy(tenant, options.scope);
      const provider = createRoleCredentials({
        region: options.region,
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
        roleArn: options.roleArn,
        // CloudTrail shows whose request a call served.
        sessionName: `${purpose}.${tenant}`.slice(0, 64),
        policy: JSON.stringify(policy),
        sessionSeconds: options.sessionSeconds ?? 3_600,
        refreshMarginMs,
        timeoutMs: stsTimeoutMs,
        fail: (error) =>
          new ProviderUnavailableError(
            `secretm could not obtain credentials for tenant ${tenant}; retry shortly`,
            { cause: error },
          ),
      });
      sessions.set(key, provider);
      if (sessions.size > maxTenants) sessions.delete(sessions.keys().next().value!);
      return provider;
    },
  };
}
