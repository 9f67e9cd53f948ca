/**
 * The console function's entry. Its package holds the console build next to this module, in
 * `console/` (infra/constructs/secretm-console.ts builds it there when CDK bundles the function).
 */
import { fileURLToPath } from 'node:url';
import { createConsoleHandler } from './console-handler.ts';

export const handler = createConsoleHandler(fileURLToPath(new URL('./console/', import.meta.url)));
