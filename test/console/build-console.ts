/** Builds the console once per run of the browser tests, so they drive what `npm run build:console` makes. */
import { buildConsole } from '../../console/tools/build.ts';

export default async function setup(): Promise<void> {
  await buildConsole();
}
