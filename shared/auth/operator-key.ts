/**
 * The operator key: the first admin key of a deployment, which creates each tenant's keys. It lives in
 * no tenant's partition (shared/store/operator-key-store.ts), no other key can list, revoke or change
 * it, and the operator cannot revoke it either (that would lock the deployment out): it is replaced by
 * an explicit rotation, which answers the new key once.
 *
 * - Local mode: `SECRETM_BOOTSTRAP_API_KEY` sets it on every start; without it one is generated on the
 *   first start and printed once.
 * - AWS: the stack generates it into Secrets Manager; the first cold start that finds no operator key
 *   installs it from there, and a rotation writes the new key there before it takes effect.
 */
import { randomBytes } from 'node:crypto';
import { auditEvent } from '../audit/audit-event.ts';
import type { AuditEvent } from '../audit/audit-types.ts';
import type { Clock } from '../clock.ts';
import { ValidationError } from '../errors.ts';
import type { SecretProvider } from '../providers/provider.ts';
import type { OperatorKeyStore } from '../store/store-types.ts';
import { hashSecret } from './api-key-format.ts';
import type { RequestContext } from './principal.ts';

/** Where an AWS deployment keeps the operator key's value (the operator's own copy). */
export interface OperatorKeySecret {
  vault: SecretProvider;
  /** Name or ARN of the secret. */
  ref: string;
}

export interface OperatorKeyDeps {
  store: OperatorKeyStore;
  /** The tenant the operator acts in by default. */
  tenant: string;
  clock: Clock;
  /** Records the bootstrap and each rotation in the operator tenant's audit (fails closed). */
  audit: (event: AuditEvent) => Promise<void>;
}

const minimumLength = 20;

function newOperatorKey(): string {
  return `smo_${randomBytes(32).toString('base64url')}`;
}

function event(deps: OperatorKeyDeps, action: string, actor: string, requestId: string, sourceIp: string) {
  return {
    tenant: deps.tenant,
    actor,
    action,
    target: 'api-key:operator',
    outcome: 'success' as const,
    requestId,
    sourceIp,
    at: deps.clock.now().toISOString(),
  };
}

async function install(deps: OperatorKeyDeps, key: string, createdBy: string): Promise<void> {
  await deps.store.put({
    tenant: deps.tenant,
    hash: hashSecret(key),
    createdAt: deps.clock.now().toISOString(),
    createdBy,
  });
}

/**
 * Local mode: makes sure an operator key exists. With `presetKey` that key becomes (or stays) the
 * operator key; without, one is generated when none exists and returned, to be printed once.
 */
export async function ensureOperatorKey(
  deps: OperatorKeyDeps,
  presetKey?: string,
): Promise<{ key?: string }> {
  if (presetKey !== undefined && presetKey.length < minimumLength) {
    throw new ValidationError(`SECRETM_BOOTSTRAP_API_KEY must be at least ${minimumLength} characters`);
  }
  const existing = await deps.store.get();
  const wanted = presetKey === undefined ? undefined : hashSecret(presetKey);
  if (existing && existing.tenant === deps.tenant && (wanted === undefined || existing.hash === wanted)) {
    return {};
  }
  const key = presetKey ?? newOperatorKey();
  await deps.audit(event(deps, 'api-key.bootstrap', 'bootstrap', 'bootstrap', '127.0.0.1'));
  await install(deps, key, 'bootstrap');
  return presetKey === undefined ? { key } : {};
}

/** AWS: installs the key the stack generated, when the deployment has no operator key yet. */
export async function bootstrapOperatorKey(deps: OperatorKeyDeps, secret: OperatorKeySecret): Promise<void> {
  if (await deps.store.get()) return;
  const { payload } = await secret.vault.get(secret.ref, { kind: 'text' });
  const key = payload.kind === 'text' ? payload.text.trim() : '';
  if (key.length < minimumLength) throw new ValidationError('the operator key secret does not hold a key');
  await deps.audit(event(deps, 'api-key.bootstrap', 'bootstrap', 'bootstrap', 'cold-start'));
  await install(deps, key, 'bootstrap');
}

/**
 * Replaces the operator key and answers the new one, this once. In AWS the new key is written to the
 * operator's secret first: if installing it then fails, the old key still works and the rotation can
 * simply be repeated; the reverse order could lock the operator out.
 */
export async function rotateOperatorKey(
  deps: OperatorKeyDeps,
  ctx: RequestContext,
  secret?: OperatorKeySecret,
): Promise<{ key: string }> {
  const key = newOperatorKey();
  await deps.audit({
    ...auditEvent(ctx, 'api-key.rotate', 'api-key:operator', deps.clock.now()),
    tenant: deps.tenant,
  });
  if (secret) await secret.vault.put(secret.ref, { kind: 'text', text: key });
  await install(deps, key, 'operator');
  return { key };
}
