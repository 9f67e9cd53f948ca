/** Where the infra code finds the rest of the repository, from its own location (not the cwd). */
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The secretm layer's build output: a folder holding `nodejs/node_modules/secretm`. */
export const defaultLayerAssetPath = fileURLToPath(new URL('../../layers/secretm/dist/', import.meta.url));
