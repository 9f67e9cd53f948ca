/** The vault side of a move: read what is there, write a copy and read it back, delete what is left. */
import { NotFoundError, ProviderUnavailableError } from '../../errors.ts';
import type { ReadValue, SecretPayload, SecretProvider, WriteOptions } from '../../providers/provider.ts';

/** The value at ref (a version of it), or undefined when the vault holds no such thing. */
export async function readOrAbsent(
  vault: SecretProvider,
  ref: string,
  options: { versionId?: string; kind?: SecretPayload['kind'] },
): Promise<ReadValue | undefined> {
  try {
    return await vault.get(ref, options);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/** Deletes ref and every version of it now; true when there was something to delete. */
export async function purgeQuietly(vault: SecretProvider, ref: string): Promise<boolean> {
  try {
    await vault.delete(ref, { mode: 'purge' });
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/**
 * Writes `payload` at ref (`create` for the first version of the copy, `put` for the next ones), reads
 * that very version back and compares: a copy that does not read back as written is never switched to.
 */
export async function writeVerified(
  vault: SecretProvider,
  ref: string,
  payload: SecretPayload,
  first: boolean,
  options: WriteOptions = {},
): Promise<string> {
  const written = first ? await vault.create(ref, payload, options) : await vault.put(ref, payload);
  const back = await vault.get(ref, { versionId: written.versionId, kind: payload.kind });
  if (!samePayload(back.payload, payload)) {
    throw new ProviderUnavailableError(`the copy at "${ref}" did not read back as it was written`);
  }
  return written.versionId;
}

export function samePayload(a: SecretPayload, b: SecretPayload): boolean {
  switch (a.kind) {
    case 'map': {
      if (b.kind !== 'map') return false;
      const keys = Object.keys(a.data).sort();
      const other = Object.keys(b.data).sort();
      return (
        keys.length === other.length &&
        keys.every((key, i) => key === other[i] && a.data[key] === b.data[key])
      );
    }
    case 'text':
      return b.kind === 'text' && a.text === b.text;
    case 'binary':
      return b.kind === 'binary' && Buffer.from(a.bytes).equals(Buffer.from(b.bytes));
  }
}
