/**
 * The one way secretm makes a Lambda function: Node.js 24 on arm64, bundled by the local esbuild (no
 * Docker) into one minified ESM file with a source map, its own log group with a retention, and its
 * own role that starts with nothing but writing to that log group. Whatever else a function may do is
 * granted afterwards through infra/constructs/grants.ts.
 */
import path from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { repoRoot } from './paths.ts';

/** `nodejs24.x`, from this aws-cdk-lib's own list. */
export const functionRuntime = lambda.Runtime.NODEJS_24_X;
export const functionArchitecture = lambda.Architecture.ARM_64;

export interface SecretmFunctionProps {
  /** The handler module, relative to the repository root (it exports `handler`). */
  entry: string;
  description: string;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
  /** Default 25 s: under API Gateway's 29 s integration limit, above one vault call's 10 s bound. */
  timeout?: Duration;
  /** Default 512 MB (on Lambda, CPU grows with memory: this keeps cold starts short). */
  memorySize?: number;
}

export class SecretmFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SecretmFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: that managed policy may create and
    // write any log group in the account; this one writes to its own log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(repoRoot, props.entry),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: path.join(repoRoot, 'package-lock.json'),
      description: props.description,
      runtime: functionRuntime,
      architecture: functionArchitecture,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(25),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Prefer the ESM builds of dependencies, so esbuild can tree-shake them.
        mainFields: ['module', 'main'],
        // The AWS SDK v3 is bundled on purpose (see docs/architecture.md): the code runs on the SDK
        // version it was tested with, tree-shaken to the clients it uses.
        bundleAwsSDK: true,
        externalModules: [],
        // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
        banner:
          "import{createRequire as __secretmCreateRequire}from'node:module';const require=__secretmCreateRequire(import.meta.url);",
      },
    });
  }
}
