/**
 * The `local` vault for the layer (local mode and tests): the shared adapter
 * (shared/providers/local.ts) on the folder SECRETM_LOCAL_VAULT_DIR names. Loaded on first use.
 */
import { createLocalVault } from '../../../../shared/providers/local.ts';
import { countedProvider, type RequestCounter, readerFor, type SecretReader } from './reader.ts';

export function createLocalReader(options: { dir: string }, count: RequestCounter): SecretReader {
  return readerFor(countedProvider(createLocalVault({ dir: options.dir }), count, { get: 'local:get' }));
}
