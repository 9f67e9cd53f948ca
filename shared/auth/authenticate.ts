/**
 * Turns a request's credentials into a Principal: an API key (`Authorization: Bearer …`), or the
 * claims API Gateway's JWT authorizer verified. Anything else is 401.
 */
import type { Clock } from '../clock.ts';
import { UnauthorizedError } from '../errors.ts';
import type { ApiKeyStore } from '../store/store-types.ts';
import { tenantPattern } from '../validation/names.ts';
import { parseApiKey, secretMatches } from './api-key-format.ts';
import { scopes as knownScopes, type Principal, type Scope } from './principal.ts';

export interface JwtSettings {
  /** The claim holding the tenant id. */
  tenantClaim: string;
}

export interface Credentials {
  authorization?: string;
  /** Claims of a JWT that API Gateway's authorizer has verified already. */
  jwtClaims?: Record<string, unknown>;
  /** Scopes API Gateway read from that JWT. */
  jwtScopes?: string[];
}

const rejected = () =>
  new UnauthorizedError('missing or invalid credentials: send Authorization: Bearer <api key>');

export function createAuthenticator(deps: { apiKeys: ApiKeyStore; clock: Clock; jwt: JwtSettings }) {
  async function fromApiKey(presented: string): Promise<Principal> {
    const { id, secret } = parseApiKey(presented);
    const record = await deps.apiKeys.get(id);
    // Hash and compare even when no record exists, so timing does not tell whether an id exists.
    const matches = secretMatches(secret, record?.hash ?? '0'.repeat(64));
    if (!record || !matches || record.revokedAt) throw rejected();
    if (record.expiresAt && Date.parse(record.expiresAt) <= deps.clock.now().getTime()) throw rejected();
    return {
      tenant: record.tenant,
      actor: record.operator ? 'operator' : `apikey:${record.id}`,
      scopes: new Set(record.scopes),
      operator: record.operator,
    };
  }

  function fromJwt(claims: Record<string, unknown>, tokenScopes: string[] | undefined): Principal {
    const tenant = claims[deps.jwt.tenantClaim];
    const subject = claims.sub;
    if (typeof tenant !== 'string' || !tenantPattern.test(tenant) || typeof subject !== 'string')
      throw rejected();
    const raw = tokenScopes ?? (typeof claims.scope === 'string' ? claims.scope.split(' ') : []);
    return { tenant, actor: `jwt:${subject}`, scopes: new Set(raw.flatMap(toScope)), operator: false };
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
