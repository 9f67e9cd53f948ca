/**
 * A synthesized secretm stack as IAM sees it once deployed, and a real IAM policy evaluator
 * (@cloud-copilot/iam-simulate) asked about it.
 *
 * `deployedStack` resolves the template's CloudFormation tokens (Ref, Fn::GetAtt, Fn::Join, pseudo
 * parameters) to the concrete names and ARNs of a fixed account and region: each stack's physical
 * names carry its stack name, as CloudFormation's do, so two stages in one account never share one.
 * A token of a shape it does not know fails loudly, so no policy is ever evaluated half-read.
 *
 * `evaluate` runs one request through the evaluator with a role's real policies from the template (its
 * inline and attached `AWS::IAM::Policy` documents), a session policy when the caller runs on a tenant
 * session, and the resource's own policy where IAM has one: the role's trust policy for
 * `sts:AssumeRole`, the key policy for KMS.
 */
import { createHash } from 'node:crypto';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from '../../../shared/tenancy/session-policy.ts';

export const account = '111122223333';
export const region = 'eu-west-1';
export const partition = 'aws';

type Json = unknown;
interface TemplateResource {
  Type: string;
  Properties?: Record<string, Json>;
}
interface Template {
  Resources: Record<string, TemplateResource>;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface DeployedStack {
  stackName: string;
  /** A value of the template (a property, a policy) with every token resolved. */
  resolve(value: Json): Json;
  /** The ARN of a resource of the template, by logical id. */
  arnOf(logicalId: string): string;
  /** The identity policies of a role, by the role's logical id. */
  identityPolicies(roleId: string): { name: string; policy: Json }[];
  /** The role's name, for its session ARNs. */
  roleName(roleId: string): string;
  /** The resource policy IAM evaluates for an ARN of this stack (trust policy, key policy), if any. */
  resourcePolicyOf(arn: string): Json | undefined;
}

const digest = (text: string, length: number) =>
  createHash('sha256').update(text).digest('hex').slice(0, length).toUpperCase();

export function deployedStack(stackName: string, template: Template): DeployedStack {
  const resources = template.Resources;
  const resourceOf = (id: string): TemplateResource => {
    const resource = resources[id];
    if (!resource) throw new Error(`${stackName}: no resource ${id}`);
    return resource;
  };
  // CloudFormation names what the template leaves unnamed `<stack>-<logical id>-<random>`.
  const generatedName = (id: string, max: number) =>
    `${stackName}-${id}-${digest(`${stackName}/${id}`, 12)}`.slice(0, max);
  const keyId = (id: string) => {
    const hex = digest(`${stackName}/${id}`, 32).toLowerCase();
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
  const arn = (service: string, inRegion: string, resource: string) =>
    `arn:${partition}:${service}:${inRegion}:${account}:${resource}`;

  const nameOf = (id: string): string => {
    const resource = resourceOf(id);
    const named = (property: string, max: number) => {
      const given = resource.Properties?.[property];
      return given === undefined ? generatedName(id, max) : String(resolve(given));
    };
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        return named('RoleName', 64);
      case 'AWS::DynamoDB::Table':
        return named('TableName', 255);
      case 'AWS::Lambda::Function':
        return named('FunctionName', 64);
      case 'AWS::Logs::LogGroup':
        return named('LogGroupName', 512);
      case 'AWS::SecretsManager::Secret':
        return named('Name', 512);
      case 'AWS::StepFunctions::StateMachine':
        return named('StateMachineName', 80);
      case 'AWS::SQS::Queue':
        return named('QueueName', 80);
      default:
        throw new Error(`${stackName}: no physical name for ${resource.Type} (${id})`);
    }
  };

  const arnOf = (id: string): string => {
    const resource = resourceOf(id);
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        return arn('iam', '', `role/${nameOf(id)}`);
      case 'AWS::DynamoDB::Table':
        return arn('dynamodb', region, `table/${nameOf(id)}`);
      case 'AWS::KMS::Key':
        return arn('kms', region, `key/${keyId(id)}`);
      case 'AWS::Lambda::Function':
        return arn('lambda', region, `function:${nameOf(id)}`);
      case 'AWS::Logs::LogGroup':
        return arn('logs', region, `log-group:${nameOf(id)}:*`);
      case 'AWS::SecretsManager::Secret':
        // Secrets Manager appends a hyphen and six random characters.
        return arn('secretsmanager', region, `secret:${nameOf(id)}-${digest(`${stackName}/${id}`, 6)}`);
      case 'AWS::StepFunctions::StateMachine':
        return arn('states', region, `stateMachine:${nameOf(id)}`);
      case 'AWS::SQS::Queue':
        return arn('sqs', region, nameOf(id));
      default:
        throw new Error(`${stackName}: no ARN for ${resource.Type} (${id})`);
    }
  };

  const refOf = (id: string): string => {
    switch (id) {
      case 'AWS::AccountId':
        return account;
      case 'AWS::Region':
        return region;
      case 'AWS::Partition':
        return partition;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stackName;
    }
    const { Type } = resourceOf(id);
    if (Type === 'AWS::KMS::Key') return keyId(id);
    if (Type === 'AWS::SecretsManager::Secret' || Type === 'AWS::StepFunctions::StateMachine')
      return arnOf(id);
    // A queue's Ref is its URL.
    if (Type === 'AWS::SQS::Queue') return `https://sqs.${region}.amazonaws.com/${account}/${nameOf(id)}`;
    return nameOf(id);
  };

  function resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map(resolve);
    if (!value || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      const [intrinsic, argument] = first;
      switch (intrinsic) {
        case 'Ref':
          return refOf(argument as string);
        case 'Fn::GetAtt': {
          const [id, attribute] = argument as [string, string];
          if (attribute !== 'Arn') throw new Error(`${stackName}: Fn::GetAtt ${id}.${attribute}`);
          return arnOf(id);
        }
        case 'Fn::Join': {
          const [delimiter, parts] = argument as [string, Json[]];
          return parts.map((part) => String(resolve(part))).join(delimiter);
        }
        case 'Fn::Select': {
          const [index, list] = argument as [number, Json];
          return (resolve(list) as Json[])[Number(index)];
        }
        case 'Fn::Split': {
          const [delimiter, source] = argument as [string, Json];
          return String(resolve(source)).split(delimiter);
        }
        case 'Fn::Sub': {
          if (typeof argument !== 'string') throw new Error(`${stackName}: Fn::Sub with variables`);
          return argument.replace(/\$\{([^}!]+)\}/g, (_match, name: string) => {
            const [id = '', attribute] = name.split('.');
            if (attribute === undefined) return refOf(id);
            if (attribute !== 'Arn') throw new Error(`${stackName}: Fn::Sub \${${name}}`);
            return arnOf(id);
          });
        }
        default:
          throw new Error(`${stackName}: cannot resolve ${intrinsic}`);
      }
    }
    return Object.fromEntries(entries.map(([key, inner]) => [key, resolve(inner)]));
  }

  const identityPolicies = (roleId: string) => {
    const role = resourceOf(roleId);
    if (role.Type !== 'AWS::IAM::Role') throw new Error(`${stackName}: ${roleId} is not a role`);
    if (role.Properties?.ManagedPolicyArns) throw new Error(`${stackName}: ${roleId} has managed policies`);
    const inline = ((role.Properties?.Policies ?? []) as { PolicyName: string; PolicyDocument: Json }[]).map(
      (policy) => ({ name: policy.PolicyName, policy: resolve(policy.PolicyDocument) }),
    );
    const attached = Object.entries(resources)
      .filter(
        ([, resource]) =>
          resource.Type === 'AWS::IAM::Policy' &&
          ((resource.Properties?.Roles ?? []) as { Ref?: string }[]).some((ref) => ref.Ref === roleId),
      )
      .map(([id, resource]) => ({ name: id, policy: resolve(resource.Properties?.PolicyDocument) }));
    return [...inline, ...attached];
  };

  const byArn = new Map<string, string>();
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::IAM::Role' || resource.Type === 'AWS::KMS::Key') byArn.set(arnOf(id), id);
  }

  return {
    stackName,
    resolve,
    arnOf,
    identityPolicies,
    roleName: (roleId) => nameOf(roleId),
    resourcePolicyOf(target) {
      const id = byArn.get(target);
      if (id === undefined) return undefined;
      const resource = resourceOf(id);
      return resolve(
        resource.Type === 'AWS::IAM::Role'
          ? resource.Properties?.AssumeRolePolicyDocument
          : resource.Properties?.KeyPolicy,
      );
    },
  };
}

export interface Caller {
  stack: DeployedStack;
  /** The role's logical id. */
  role: string;
  /** The session policy the role was assumed with (a tenant session). */
  sessionPolicy?: PolicyDocument;
  sessionName?: string;
}

export interface Request {
  action: string;
  /** A concrete ARN, or `*` for an action without a resource. */
  resource: string;
  context?: Record<string, string | string[]>;
}

/**
 * What a resource outside the stacks lets this account do, for the evaluator: a customer-managed KMS key
 * whose key policy delegates to IAM (the default), a role in another account that trusts this account.
 */
function outsidePolicy(arn: string): Json | undefined {
  if (/^arn:[^:]+:kms:/.test(arn)) {
    return {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:${partition}:iam::${account}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    };
  }
  if (/^arn:[^:]+:iam::\d{12}:role\//.test(arn) && !arn.includes(`::${account}:`)) {
    return {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:${partition}:iam::${account}:root` },
          Action: 'sts:AssumeRole',
        },
      ],
    };
  }
  return undefined;
}

/** Evaluates one request as AWS would: the caller's role policies ∩ its session policy, the resource's policy. */
export async function evaluate(caller: Caller, request: Request, world: DeployedStack[]): Promise<Decision> {
  const resourceAccount = request.resource === '*' ? account : (request.resource.split(':')[4] ?? '');
  const ownResourcePolicy = world.map((stack) => stack.resourcePolicyOf(request.resource)).find(Boolean);
  const resourcePolicy =
    request.action.startsWith('sts:') || request.action.startsWith('kms:')
      ? (ownResourcePolicy ?? outsidePolicy(request.resource))
      : undefined;
  const principal = `arn:${partition}:sts::${account}:assumed-role/${caller.stack.roleName(caller.role)}/${
    caller.sessionName ?? 'function'
  }`;
  const result = await runSimulation(
    {
      request: {
        principal,
        action: request.action,
        resource: { resource: request.resource, accountId: resourceAccount || account },
        contextVariables: request.context ?? {},
      },
      identityPolicies: caller.stack.identityPolicies(caller.role),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(caller.sessionPolicy ? { sessionPolicy: caller.sessionPolicy } : {}),
      ...(resourcePolicy ? { resourcePolicy } : {}),
    },
    { simulationMode: 'Strict' },
  );
  if (result.resultType === 'error') {
    throw new Error(
      `the evaluator refused ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`,
    );
  }
  const ignored =
    result.resultType === 'single'
      ? (result.result.ignoredContextKeys ?? [])
      : result.results.flatMap((one) => one.ignoredContextKeys ?? []);
  if (ignored.length > 0) {
    throw new Error(`${request.action} on ${request.resource}: the evaluator ignored ${ignored.join(', ')}`);
  }
  return result.overallResult as Decision;
}
