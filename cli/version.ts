/** The CLI's version: put in by the bundler at pack time, read from package.json in a checkout. */
import { readFileSync } from 'node:fs';

declare const __SECRETM_VERSION__: string | undefined;

export const cliVersion: string =
  typeof __SECRETM_VERSION__ === 'string'
    ? __SECRETM_VERSION__
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
        .version;
