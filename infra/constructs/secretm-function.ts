/**
 * The one way secretm makes a Lambda function: Node.js 24 on arm64, bundled by the local esbuild (no
 * Docker) into minified ES modules with a source map, code split so that what a function imports with
 * `import()` loads only when first needed (infra/constructs/function-build.ts), its own log group with a retention, encrypted
 * with the deployment's operations key, and its own role that starts with nothing but writing to that
 * log group. Whatever else a function may do is granted afterwards through infra/constructs/grants.ts;
 * a function invoked asynchronously sends what fails to a failure queue (`sendFailuresTo`), and one that
 * reaches private addresses runs in the configured VPC (`placeInVpc`).
 */
import { execSync } from 'node:child_process';
import path from 'node:path';
import {
  AssetHashType,
  DockerImage,
  Duration,
  type ILocalBundling,
  type RemovalPolicy,
  Stack,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FailureQueue } from './failure-queue.ts';
import { buildFunction } from './function-build.ts';
import { acknowledge, acknowledgeWildcardResource } from './nag.ts';
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
  /** Encrypts the log group (SecretmData.operationsKey, whose policy lets CloudWatch Logs use it). */
  logEncryptionKey: kms.IKey;
  removalPolicy: RemovalPolicy;
  /** Default 25 s: under API Gateway's 29 s integration limit, above one vault call's 10 s bound. */
  timeout?: Duration;
  /** Default 512 MB (on Lambda, CPU grows with memory: this keeps cold starts short). */
  memorySize?: number;
  /** Instances that may run at once, reserved from the account's concurrency; none reserved by default. */
  reservedConcurrency?: number;
  /**
   * Shell commands run after esbuild, with the folder the package is made of: what else the function's
   * package holds (the console function's build). A command that fails fails the synth.
   */
  afterBundling?: (outputDir: string) => string[];
}

/** Lambda's retries of a failed asynchronous invocation before it goes to the failure queue (its default, stated). */
export const asyncRetryAttempts = 2;
/** How long an asynchronous invocation may wait (throttled, retried) before it goes to the failure queue. */
export const asyncMaxEventAge = Duration.hours(6);

/** Where a function runs when it must reach private addresses (config: `vpc`). */
export interface FunctionNetwork {
  subnetIds: string[];
  securityGroupIds: string[];
}

export class SecretmFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SecretmFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: props.removalPolicy,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: that managed policy may create and
    // write any log group in the account; this one writes to its own log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);

    const entry = path.join(repoRoot, props.entry);
    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(path.dirname(entry), {
        // Hashed by the build's output, so a change anywhere in what the function bundles deploys it.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Required by the type, never pulled: the local build either succeeds or fails the synth.
          image: DockerImage.fromRegistry('secretm-functions-build-locally'),
          local: new LocalFunctionBuild(entry, props.afterBundling),
        },
      }),
      handler: 'index.handler',
      description: props.description,
      runtime: functionRuntime,
      architecture: functionArchitecture,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(25),
      role: this.role,
      logGroup: this.logGroup,
      ...(props.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrency }
        : {}),
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    });
  }

  /**
   * For a function invoked asynchronously (by a schedule, `FunctionSchedule`): Lambda retries a failed
   * invocation twice, then sends its input, with the error's type and message but no stack trace, to
   * the failure queue (the function's dead-letter queue, with the function's role, through the queue's key).
   */
  sendFailuresTo(failures: FailureQueue): void {
    const cfn = this.function.node.defaultChild as lambda.CfnFunction;
    cfn.deadLetterConfig = { targetArn: failures.queue.queueArn };
    failures.grantSend(this.role);
    this.function.configureAsyncInvoke({ retryAttempts: asyncRetryAttempts, maxEventAge: asyncMaxEventAge });
  }

  /**
   * Runs the function in the given subnets with the given security groups, and lets its role manage
   * the network interfaces Lambda makes there: created only in those subnets with those groups (no
   * managed policy: AWSLambdaVPCAccessExecutionRole allows it on any). Subnets and groups are named by
   * id, as the configuration gives them, so the synth needs no VPC lookup.
   */
  placeInVpc(network: FunctionNetwork): void {
    const cfn = this.function.node.defaultChild as lambda.CfnFunction;
    cfn.vpcConfig = { subnetIds: network.subnetIds, securityGroupIds: network.securityGroupIds };
    const stack = Stack.of(this);
    const ec2Arn = (resource: string, name: string) =>
      stack.formatArn({ service: 'ec2', resource, resourceName: name });
    const interfaces = ec2Arn('network-interface', '*');
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface'],
        resources: [
          interfaces,
          ...network.subnetIds.map((id) => ec2Arn('subnet', id)),
          ...network.securityGroupIds.map((id) => ec2Arn('security-group', id)),
        ],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: [interfaces],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
        resources: ['*'],
      }),
    );
    acknowledgeWildcardResource(
      this.role,
      interfaces,
      'the network interfaces Lambda creates for this function in its VPC: their ids exist only once ' +
        'created, and creating one is limited to the configured subnets and security groups',
    );
    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets have no resource-level permissions (AWS ' +
        'accepts only *); Lambda calls them to manage the function’s interfaces in its VPC, and they read nothing else',
    );
  }
}

/**
 * Builds a function's code with the local esbuild into CDK's bundling folder (function-build.ts). The
 * AWS SDK v3 is bundled on purpose (see docs/architecture.md): the code runs on the SDK version it was
 * tested with, tree-shaken to the clients it uses.
 */
export class LocalFunctionBuild implements ILocalBundling {
  private readonly entry: string;
  private readonly afterBundling: ((outputDir: string) => string[]) | undefined;

  constructor(entry: string, afterBundling?: (outputDir: string) => string[]) {
    this.entry = entry;
    this.afterBundling = afterBundling;
  }

  tryBundle(outputDir: string): boolean {
    try {
      buildFunction(this.entry, outputDir);
      for (const command of this.afterBundling?.(outputDir) ?? []) {
        execSync(command, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'], shell: '/bin/bash' });
      }
    } catch (error) {
      // Thrown, not `return false`: false would make CDK try Docker, which secretm never uses.
      throw new Error(
        `the function ${path.relative(repoRoot, this.entry)} did not build: ${(error as Error).message}`,
      );
    }
    return true;
  }
}
