/**
 * Each tenant's audit key: 32 random bytes in secretm's system vault
 * (`secretm/<stage>/_system/tenants/<tenant>/audit-key`, vault-namespace.ts), which no tenant-facing
 * path can name. Events and digests are HMAC'd with it (audit-seal.ts).
 *
 * A writer makes the key on first use: it registers the tenant first (the registry, `TENANTS`, is what
 * the digest job visits, so a tenant with audit events but no secret is digested too), then creates the
 * key; when another writer made it meanwhile, the vault answers a conflict and both read the one that
 * was made. Readers (the digest job, verify, a refusal recorded into another tenant's audit) never make
 * one. A key once read is kept for the life of the instance; a failed read is not, so the next write
 * tries again (and fails closed until it can).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { AuditUnavailableError, ConflictError, NotFoundError } from '../errors.ts';
import type { SecretProvider } from '../providers/provider.ts';
import type { AuditKey } from './audit-seal.ts';

export interface AuditKeys {
  /** The tenant's key, made (and the tenant registered) on first use. AuditUnavailableError when it cannot be had. */
  forWriting(tenant: string): Promise<AuditKey>;
  /** The tenant's key, or undefined when it has none (it never wrote a sealed event). */
  find(tenant: string): Promise<AuditKey | undefined>;
}

export interface AuditKeysOptions {
  /** The vault holding `tenant`'s key (the tenant's system vault, or the deployment's own). */
  vault(tenant: string): SecretProvider;
  ref(tenant: string): string;
  /** Writers only: how a first key is made. Without it, `forWriting` fails for a tenant with no key. */
  create?: {
    /** Puts the tenant in the tenant registry (idempotent). */
    register(tenant: string): Promise<void>;
    clock: Clock;
  };
  /** The one tenant these keys are for (a tenant's graph); any other is refused. */
  only?: string;
  /** Keys kept at once; the least recently used goes first. */
  maxKept?: number;
}

const keyBytes = 32;
const algorithm = 'HMAC-SHA256';

export function createAuditKeys(options: AuditKeysOptions): AuditKeys {
  const kept = new Map<string, AuditKey>();
  const maxKept = options.maxKept ?? 1_000;
  const keep = (key: AuditKey) => {
    kept.delete(key.tenant);
    kept.set(key.tenant, key);
    if (kept.size > maxKept) kept.delete(kept.keys().next().value!);
    return key;
  };

  const read = async (tenant: string): Promise<AuditKey | undefined> => {
    if (options.only !== undefined && tenant !== options.only) {
      throw new AuditUnavailableError(`the audit key of tenant ${tenant} is not reachable here`);
    }
    const known = kept.get(tenant);
    if (known) return keep(known);
    let value: Awaited<ReturnType<SecretProvider['get']>>;
    try {
      value = await options.vault(tenant).get(options.ref(tenant), { kind: 'map' });
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw new AuditUnavailableError(`the audit key of tenant ${tenant} could not be read`, {
        cause: error,
      });
    }
    return keep(parseKey(tenant, value.payload));
  };

  return {
    find: read,
    async forWriting(tenant) {
      const found = await read(tenant);
      if (found) return found;
      const { create } = options;
      if (!create) throw new AuditUnavailableError(`tenant ${tenant} has no audit key yet`);
      const createdAt = create.clock.now().toISOString();
      try {
        await create.register(tenant);
        await options.vault(tenant).create(
          options.ref(tenant),
          {
            kind: 'map',
            data: { algorithm, key: randomBytes(keyBytes).toString('base64'), createdAt },
          },
          { description: `secretm: the key tenant ${tenant}'s audit events are HMAC'd with` },
        );
      } catch (error) {
        if (!(error instanceof ConflictError)) {
          throw new AuditUnavailableError(`the audit key of tenant ${tenant} could not be made`, {
            cause: error,
          });
        }
      }
      const made = await read(tenant);
      if (!made) throw new AuditUnavailableError(`the audit key of tenant ${tenant} could not be read`);
      return made;
    },
  };
}

function parseKey(tenant: string, payload: Awaited<ReturnType<SecretProvider['get']>>['payload']): AuditKey {
  const data = payload.kind === 'map' ? payload.data : undefined;
  const secret = data?.key === undefined ? undefined : Buffer.from(data.key, 'base64');
  const createdAt = data?.createdAt;
  if (
    data?.algorithm !== algorithm ||
    secret?.length !== keyBytes ||
    createdAt === undefined ||
    Number.isNaN(Date.parse(createdAt))
  ) {
    throw new AuditUnavailableError(`the audit key of tenant ${tenant} is unreadable`);
  }
  return { tenant, secret, createdAt: new Date(createdAt).toISOString() };
}
