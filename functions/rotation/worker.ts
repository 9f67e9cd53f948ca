/**
 * The rotation worker: rotates one secret when it is due. Invoked once per due secret (by the
 * schedule's state machine in AWS, in-process by local mode and the tests). A failed rotation is an
 * outcome, not an error: it is recorded on the secret, and the other secrets of the run go on.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import type { RequestContext } from '../../shared/auth/principal.ts';
import { SecretmError } from '../../shared/errors.ts';
import type { RotationService } from '../../shared/rotation/rotation-service.ts';
import type { RotationOutcome } from '../../shared/rotation/rotation-types.ts';
import { inRequest } from '../../shared/tenancy/request-scope.ts';
import { secretName, tenantId } from '../../shared/validation/names.ts';
import { parseInput } from '../../shared/validation/parse.ts';
import { lazyDependencies } from '../dependencies.ts';
import { logRotationFailure } from './failure-log.ts';

export const workerEvent = z.strictObject({ tenant: tenantId, name: secretName });
export type WorkerEvent = z.output<typeof workerEvent>;

export type WorkerResult =
  | (RotationOutcome & { tenant: string })
  | { tenant: string; name: string; outcome: 'failed'; error: { code: string; message: string } };

/** Who rotations on a schedule are done by, in the audit log. */
export const rotationActor = 'secretm:rotation';

export function rotationContext(tenant: string, requestId: string): RequestContext {
  return {
    principal: { tenant, actor: rotationActor, scopes: new Set(['write']), operator: false },
    requestId,
    sourceIp: 'scheduler',
  };
}

/**
 * Rotates one due secret. A failure is answered as an outcome, and logged as one line that the
 * rotation-failure alarm counts (failure-log.ts; `write` receives it, stderr by default).
 */
export async function rotateDue(
  rotation: RotationService,
  event: WorkerEvent,
  requestId: string = randomUUID(),
  write?: (line: string) => void,
): Promise<WorkerResult> {
  try {
    const outcome = await rotation.rotate(rotationContext(event.tenant, requestId), event.name, {
      scheduled: true,
    });
    return { tenant: event.tenant, ...outcome };
  } catch (error) {
    const known = error instanceof SecretmError;
    if (!known) {
      console.error(
        JSON.stringify({
          level: 'error',
          requestId,
          message: 'rotation failed unexpectedly',
          name: (error as Error)?.name,
        }),
      );
    }
    const failed = known
      ? { code: error.code, message: error.message }
      : { code: 'internal_error', message: 'internal error' };
    logRotationFailure({ tenant: event.tenant, name: event.name, code: failed.code }, requestId, write);
    return { tenant: event.tenant, name: event.name, outcome: 'failed', error: failed };
  }
}

/** Rotates one due secret on its tenant's access, and writes the rotation's vault-call counts. */
export interface TenantRotations {
  forTenant(tenant: string): Promise<{ rotation: RotationService; usage: { flush(): Promise<void> } }>;
}

export async function rotateFor(
  deps: TenantRotations,
  event: WorkerEvent,
  requestId: string = randomUUID(),
): Promise<WorkerResult> {
  const { rotation, usage } = await deps.forTenant(event.tenant);
  try {
    return await inRequest(rotationContext(event.tenant, requestId), () =>
      rotateDue(rotation, event, requestId),
    );
  } finally {
    // The vault calls of this rotation, written before the instance can be frozen (never throws).
    await usage.flush();
  }
}

const dependencies = lazyDependencies();

export async function handler(event: unknown, context: Context): Promise<WorkerResult> {
  const input = parseInput(workerEvent, event, 'event');
  return rotateFor(await dependencies(), input, context.awsRequestId);
}
