/**
 * The web console in AWS: a function that answers `GET`/`HEAD` `/` and `/assets/{file}` on the API's
 * own origin (SecretmApi.serveConsole), with the console build bundled into its package. Same origin
 * as the API: no CORS, no second domain or certificate, and the signed-in key stays in that origin's
 * sessionStorage (docs/console.md, "In AWS").
 *
 * The build runs when CDK bundles the function (after esbuild, into the package's `console/` folder),
 * with the Node.js running the synth and the local Vite (console/tools/build.ts, the same as
 * `npm run build:console` without regenerating the API types): no Docker, no network, and a build that
 * fails fails the synth. The function's role may write its own log group and nothing else: no table, no
 * key, no vault.
 */
import path from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { repoRoot } from './paths.ts';
import { SecretmFunction } from './secretm-function.ts';

/** The console's build script, run at bundling. */
export const consoleBuildScript = path.join(repoRoot, 'console', 'tools', 'build.ts');
/** The function's entry; it reads the build from `console/` next to itself. */
export const consoleEntry = 'functions/console/handler.ts';
/** Where in the function's package the build goes (functions/console/handler.ts reads it there). */
export const consoleFolder = 'console';

/** Concurrency reserved for the console function at most: it answers in milliseconds from memory. */
export const consoleReservedConcurrency = 10;

export interface SecretmConsoleProps {
  stage: string;
  logRetention: logs.RetentionDays;
  logEncryptionKey: kms.IKey;
  removalPolicy: RemovalPolicy;
  /** The API functions' reserved concurrency; the console reserves at most `consoleReservedConcurrency`. */
  reservedConcurrency?: number;
}

export class SecretmConsole extends Construct {
  readonly function: SecretmFunction;

  constructor(scope: Construct, id: string, props: SecretmConsoleProps) {
    super(scope, id);
    this.function = new SecretmFunction(this, 'Function', {
      entry: consoleEntry,
      description: `secretm ${props.stage}: the web console's files (GET / and /assets/{file})`,
      environment: {},
      logRetention: props.logRetention,
      logEncryptionKey: props.logEncryptionKey,
      removalPolicy: props.removalPolicy,
      // Files from memory: little memory, and a short timeout.
      memorySize: 256,
      timeout: Duration.seconds(5),
      ...(props.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrency: Math.min(props.reservedConcurrency, consoleReservedConcurrency) }),
      afterBundling: (outputDir) => [
        [process.execPath, consoleBuildScript, '--out', path.join(outputDir, consoleFolder)]
          .map(shellQuote)
          .join(' '),
      ],
    });
  }
}

/** One word for `bash -c`, whatever it holds. */
function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
