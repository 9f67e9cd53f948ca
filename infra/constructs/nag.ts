/**
 * Acknowledging cdk-nag findings, each with its reason, next to the resource it concerns. cdk-nag 3
 * reads CDK's own acknowledgements (`Validations.of(construct).acknowledge`), and matches a finding's
 * full id: a wildcard resource is acknowledged by the ARN it flags, written the way cdk-nag writes it
 * (`arn:<AWS::Partition>:…`).
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';

/** Acknowledges on the construct, or, for an IAM principal, on the construct behind it (its role). */
export function acknowledge(target: IConstruct | iam.IPrincipal, id: string, reason: string): void {
  if (!Construct.isConstruct(target)) return;
  Validations.of(target).acknowledge({ id, reason });
}

/** AwsSolutions-IAM5 for one resource ARN that must end in a wildcard. */
export function acknowledgeWildcardResource(
  target: IConstruct | iam.IPrincipal,
  arn: string,
  reason: string,
): void {
  if (!Construct.isConstruct(target)) return;
  const flat = flatten(Stack.of(target).resolve(arn));
  acknowledge(target, `AwsSolutions-IAM5[Resource::${flat}]`, reason);
}

/** CloudFormation intrinsics as cdk-nag prints them: Ref → `<Name>`, GetAtt → `<Resource.Attribute>`. */
function flatten(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (node && typeof node === 'object') {
    const intrinsic = node as Record<string, unknown>;
    if (Array.isArray(intrinsic['Fn::Join'])) {
      const [delimiter, items] = intrinsic['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if ('Ref' in intrinsic) return `<${flatten(intrinsic.Ref)}>`;
    if (Array.isArray(intrinsic['Fn::GetAtt'])) {
      const [resource, attribute] = intrinsic['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if ('Fn::Sub' in intrinsic) return flatten(intrinsic['Fn::Sub']);
  }
  return JSON.stringify(node);
}
