/** Where the infra code finds the rest of the repository, from its own location (not the cwd). */
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
