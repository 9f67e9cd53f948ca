/**
 * API keys look like `smk_<id>_<secret>`. The id finds the stored record; only the SHA-256 of the
 * secret part is stored, and it is compared in constant time. The operator key (local mode's
 * bootstrap key) may be any string of 20 or more characters: it is stored under the id `operator`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const operatorKeyId = 'operator';
const keyPattern = /^smk_([a-z0-9]{20})_([A-Za-z0-9_-]{43})$/;

export interface ParsedKey {
  id: string;
  secret: string;
}

export function generateApiKey(): { id: string; key: string; hash: string } {
  const id = randomBytes(10).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `smk_${id}_${secret}`, hash: hashSecret(secret) };
}

/** Finds the id and secret in a presented key; anything not in the `smk_` form is tried as the operator key. */
export function parseApiKey(presented: string): ParsedKey {
  const match = keyPattern.exec(presented);
  if (match) return { id: match[1]!, secret: match[2]! };
  return { id: operatorKeyId, secret: presented };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
