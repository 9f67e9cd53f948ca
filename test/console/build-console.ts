/** Builds the console once per run of the browser tests, so they drive what `npm run build:console` makes. */
import { build } from 'vite';

export default async function setup(): Promise<void> {
  await build({
    configFile: new URL('../../console/vite.config.ts', import.meta.url).pathname,
    logLevel: 'warn',
  });
}
