/**
 * What a refusal says while a rotation waits pending: both ways out, so nobody has to find them in the
 * docs. `POST …/rotate` finishes it; `DELETE …/rotation?discardPending=true` drops one that can never
 * finish (its database gone for good), which also turns rotation off.
 */
import type { RotationStep } from './rotation-types.ts';

export function pendingRotationMessage(name: string, step?: RotationStep): string {
  const path = `/v1/secrets/${encodeURIComponent(name)}`;
  return (
    `a rotation of secret ${name} is pending${step ? ` (step ${step})` : ''}: finish it with POST ${path}/rotate, ` +
    `or, if it can never finish, drop it with DELETE ${path}/rotation?discardPending=true ` +
    '(this also turns rotation off; the current value stays current)'
  );
}
