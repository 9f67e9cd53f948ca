/**
 * Turns a request's credentials into a Principal: an API key (`Authorization: Bearer …`), or the
 * claims API Gateway's JWT authorizer verified. Anything else is 401.
 *
 * An `smk_` key is looked up in two steps: the pointer from its id to its tenant (read before any
 * tenant is known), then the key itself in that tenant's partition, read with that tenant's access,
 * which alone decides (hash, expiry, revocation, scopes). Anything else is tried as the operator key.
 * A key accepted lately is taken from the instance's key cache (key-cache.ts) for a bounded time.
 */
import { type AccessRule, accessRulesSchema, compileRules } from '../access/rules.ts';
import type { Clock } from '../clock.ts';
import { UnauthorizedError } from '../errors.ts';
import type { ApiKeyDirectory, ApiKeyRecord, OperatorKeyStore } from '../store/store-types.ts';
import { tenantPattern } from '../validation/names.ts';
import { operatorKeyId, parseApiKey, secretMatches } from './api-key-format.ts';
import type { KeyCache } from './key-cache.ts';
import { scopes as knownScopes, type Principal, type Scope } from './principal.ts';

export interface JwtSettings {
  /** The claim holding the tenant id. */
  tenantClaim: string;
  /** The claim holding access rules (JSON), when the issuer gives a principal rules. */
  rulesClaim?: string;
}

export interface Credentials {
  authorization?: string;
  /** Claims of a JWT that API Gateway's authorizer has verified already. */
  jwtClaims?: Record<string, unknown>;
  /** Scopes API Gateway read from that JWT. */
  jwtScopes?: string[];
}

export interface AuthenticatorDeps {
  directory: ApiKeyDirectory;
  /** A tenant's key by id, read with that tenant's access. */
  tenantKey: (tenant: string, id: string) => Promise<ApiKeyRecord | undefined>;
  operatorKeys: OperatorKeyStore;
  clock: Clock;
  jwt: JwtSettings;
  /** Keys accepted lately (never the operator key, which has no tenant record to re-read). */
  cache?: KeyCache;
}

const rejected = () =>
  new UnauthorizedError('missing or invalid credentials: send Authorization: Bearer <api key>');
const noHash = '0'.repeat(64);

export function createAuthenticator(deps: AuthenticatorDeps) {
  async function fromOperatorKey(secret: string): Promise<Principal> {
    const record = await deps.operatorKeys.get();
    // Hash and compare even when there is no record, so timing does not tell.
    if (!secretMatches(secret, record?.hash ?? noHash) || !record) throw rejected();
    return { tenant: record.tenant, actor: 'operator', scopes: new Set(knownScopes), operator: true };
  }

  async function fromApiKey(presented: string): Promise<Principal> {
    const { id, secret } = parseApiKey(presented);
    if (id === operatorKeyId) return fromOperatorKey(secret);
    const cached = deps.cache?.get(presented);
    if (cached) return cached;
    const tenant = await deps.directory.tenantOf(id);
    const record = tenant && tenantPattern.test(tenant) ? await deps.tenantKey(tenant, id) : undefined;
    const matches = secretMatches(secret, record?.hash ?? noHash);
    if (!record || !matches || record.revokedAt || record.tenant !== tenant) throw rejected();
    const expiresAt = record.expiresAt ? Date.parse(record.expiresAt) : undefined;
    if (expiresAt !== undefined && expiresAt <= deps.clock.now().getTime()) throw rejected();
    const principal: Principal = {
      tenant: record.tenant,
      actor: `apikey:${record.id}`,
      scopes: new Set(record.scopes),
      operator: false,
      ...(record.rules ? { rules: { list: record.rules, compiled: compileRules(record.rules) } } : {}),
    };
    deps.cache?.set(presented, record.id, principal, expiresAt);
    return principal;
  }

  function fromJwt(claims: Record<string, unknown>, tokenScopes: string[] | undefined): Principal {
    const tenant = claims[deps.jwt.tenantClaim];
    const subject = claims.sub;
    if (typeof tenant !== 'string' || !tenantPattern.test(tenant) || typeof subject !== 'string')
      throw rejected();
    const raw = tokenScopes ?? (typeof claims.scope === 'string' ? claims.scope.split(' ') : []);
    const rules = deps.jwt.rulesClaim ? rulesOf(claims[deps.jwt.rulesClaim]) : undefined;
    return {
      tenant,
      actor: `jwt:${subject}`,
      scopes: new Set(raw.flatMap(toScope)),
      operator: false,
      ...(rules ? { rules: { list: rules, compiled: compileRules(rules) } } : {}),
    };
  }

  return async function authenticate(credentials: Credentials): Promise<Principal> {
    // A route behind API Gateway's JWT authorizer carries the verified claims; its Authorization
    // header holds that same JWT, which is no API key.
    if (credentials.jwtClaims) return fromJwt(credentials.jwtClaims, credentials.jwtScopes);
    const header = credentials.authorization;
    if (!header) throw rejected();
    const match = /^Bearer\s+(\S{20,8192})$/i.exec(header.trim());
    if (!match || match[1]!.length > 512) throw rejected();
    return fromApiKey(match[1]!);
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;

/** Accepts `read` as well as resource-server forms such as `secretm/read`. */
function toScope(raw: string): Scope[] {
  const name = raw.slice(raw.lastIndexOf('/') + 1);
  return (knownScopes as readonly string[]).includes(name) ? [name as Scope] : [];
}

/**
 * A token's rules claim: a JSON array of rules, or its text (API Gateway hands over claims as text).
 * A claim that is there but not valid rules is refused as invalid credentials: better than granting
 * what the issuer meant to limit.
 */
function rulesOf(claim: unknown): AccessRule[] | undefined {
  if (claim === undefined || claim === null || claim === '') return undefined;
  let value = claim;
  if (typeof claim === 'string') {
    try {
      value = JSON.parse(claim);
    } catch {
      throw rejected();
    }
  }
  const parsed = accessRulesSchema.safeParse(value);
  if (!parsed.success) throw rejected();
  return parsed.data;
}
