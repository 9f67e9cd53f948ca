/**
 * One cold start, in a fresh `node` process: imports a bundled handler and calls it once (its first
 * secret read). Prints the times in ms (from this script's start, and from the process's start) and,
 * with --trace-loads, the files of the bundle the process loaded.
 */
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

const [bundle, traceFlag] = process.argv.slice(2);
const loaded: string[] = [];
if (traceFlag === '--trace-loads') {
  registerHooks({
    load(url, context, next) {
      loaded.push(url);
      return next(url, context);
    },
  });
}
const started = performance.now();
const module = (await import(pathToFileURL(bundle!).href)) as {
  handler: (event: unknown, context: unknown) => Promise<unknown>;
};
const imported = performance.now();
let error: string | undefined;
try {
  await module.handler({}, { functionName: 'bench', awsRequestId: 'cold' });
} catch (caught) {
  error = (caught as Error).name;
}
const read = performance.now();
process.stdout.write(
  JSON.stringify({
    importMs: imported - started,
    firstReadMs: read - imported,
    totalMs: read - started,
    sinceProcessStartMs: read,
    error,
    loaded: loaded.filter((url) => url.startsWith('file:')),
  }),
);
