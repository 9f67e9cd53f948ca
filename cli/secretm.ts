#!/usr/bin/env node
// The `secretm` executable in a checkout (package.json "bin"; Node 24 runs TypeScript directly).
// The packed package runs the bundle cli/build.ts makes instead.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
