/**
 * A binding resolved from what the layer read, by the definition the API uses
 * (shared/bindings/resolve-binding.ts), so `getBinding` and `resolveBinding` answer what
 * `GET /v1/bindings/{service}/resolve` answers. Loaded on first use, like the template code.
 */
import type { BindingEntry, ResolvedBinding } from '../../../shared/bindings/binding-types.ts';
import { resolveBinding } from '../../../shared/bindings/resolve-binding.ts';
import { ConflictError, NotFoundError } from '../../../shared/errors.ts';
import type { SecretPayload } from '../../../shared/providers/provider.ts';
import type { FileMetadata } from '../../../shared/secrets/secret-types.ts';
import { fromPayload } from '../../../shared/secrets/secret-value.ts';

/** A bound secret as the layer read it: its value, and a file secret's file. */
export type BoundRead = PromiseSettledResult<{ payload: SecretPayload; file?: FileMetadata }>;

/** `reads` holds every secret an entry binds, by name. */
export function resolveFromReads(
  service: string,
  entries: readonly BindingEntry[],
  reads: ReadonlyMap<string, BoundRead>,
): ResolvedBinding {
  return resolveBinding(service, entries, (entry) => {
    const read = reads.get(entry.secret)!;
    if (read.status === 'rejected') {
      if (read.reason instanceof NotFoundError) {
        throw new ConflictError(
          `binding ${service} no longer resolves: ${entry.name}: there is no secret ${entry.secret}`,
          { cause: read.reason },
        );
      }
      throw read.reason;
    }
    const { payload, file } = read.value;
    return fromPayload(payload, file === undefined && payload.kind === 'map' ? 'env' : 'file', file);
  });
}
