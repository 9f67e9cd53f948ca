/**
 * Synthesizes the secretm app (infra/secretm-app.ts, cdk-nag included) for one configuration, into a
 * throw-away folder. Bundling is skipped unless asked for: only the tests about the bundles need it,
 * and each test file synthesizes once per configuration, in beforeAll.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { SecretmConfigInput } from '../../infra/config.ts';
import { buildSecretmApp } from '../../infra/secretm-app.ts';
import type { SecretmStack } from '../../infra/stacks/secretm-stack.ts';

export const fixtureLayerPath = fileURLToPath(new URL('./fixtures/secretm-layer/', import.meta.url));

export interface Violation {
  ruleName: string;
  severity: string;
  description: string;
  violatingConstructs: { constructPath: string }[];
}

export interface Synthesized {
  app: App;
  stack: SecretmStack;
  template: Template;
  /** The cloud assembly folder (bundled assets live here). */
  outdir: string;
  /** Violations the validation plugins (cdk-nag) left unacknowledged. */
  violations: Violation[];
  dispose(): void;
}

export interface SynthesizeOptions {
  bundle?: boolean;
  /** Adds resources to the app before it is synthesized (e.g. a consumer function). */
  extend?: (stack: SecretmStack) => void;
}

export function synthesize(config: SecretmConfigInput, options: SynthesizeOptions = {}): Synthesized {
  const outdir = mkdtempSync(path.join(tmpdir(), 'secretm-cdk-'));
  try {
    return synthesizeInto(outdir, config, options);
  } catch (error) {
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}

function synthesizeInto(outdir: string, config: SecretmConfigInput, options: SynthesizeOptions): Synthesized {
  const app = new App({
    outdir,
    context: {
      secretm: config,
      // Report violations instead of throwing, so a failing test lists them.
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const stack = buildSecretmApp(app);
  options.extend?.(stack);
  const assembly = app.synth();
  const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template);
  const report = JSON.parse(
    readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as {
    pluginReports: { violations: Violation[] }[];
  };
  return {
    app,
    stack,
    template,
    outdir: assembly.directory,
    violations: report.pluginReports.flatMap((plugin) => plugin.violations),
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** The template's logical id of a construct's CloudFormation resource. */
export function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

export type Resource = { Type: string; Properties: Record<string, unknown>; [key: string]: unknown };

export function resourcesOf(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every IAM statement of the template's policies and roles, with the policy it belongs to. */
export function statementsOf(template: Template): { policy: string; statement: Statement }[] {
  const found: { policy: string; statement: Statement }[] = [];
  for (const [id, resource] of Object.entries(resourcesOf(template, 'AWS::IAM::Policy'))) {
    const document = resource.Properties.PolicyDocument as { Statement: Statement[] };
    for (const statement of document.Statement) found.push({ policy: id, statement });
  }
  for (const [id, resource] of Object.entries(resourcesOf(template, 'AWS::IAM::Role'))) {
    const policies = (resource.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
    for (const policy of policies)
      for (const statement of policy.PolicyDocument.Statement) found.push({ policy: id, statement });
  }
  return found;
}

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The statements of the IAM policies attached to `role` (a role of the synthesized stack). */
export function statementsOfRole(synth: Synthesized, role: unknown): Statement[] {
  const id = logicalId(synth.stack, role as never);
  return Object.values(resourcesOf(synth.template, 'AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === id))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The actions the statements name, each once, sorted. */
export const actionsOf = (statements: Statement[]) =>
  [...new Set(statements.flatMap((statement) => asArray(statement.Action)))].sort();

/** A value with its tokens resolved as the template spells them, as JSON text (to compare). */
export const resolved = (synth: Synthesized, value: unknown) =>
  JSON.stringify(Stack.of(synth.stack).resolve(value));
