/** One cold import, in a fresh `node` process: imports a bundle and prints how long that took (ms). */
import { pathToFileURL } from 'node:url';

const started = performance.now();
await import(pathToFileURL(process.argv[2]!).href);
process.stdout.write(JSON.stringify({ importMs: performance.now() - started }));
