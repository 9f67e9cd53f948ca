/**
 * The VPC option: the rotation worker (and, when asked, the API families that reach vaults) runs in the
 * configured subnets with the configured security groups; its role may make network interfaces there
 * and nowhere else, with no AWS managed policy; nothing else moves into the VPC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteFamily } from '../../../functions/http/route.ts';
import { account, deployedStack, evaluate, region } from '../iam/evaluator.ts';
import { fixtureLayerPath, logicalId, resourcesOf, type Synthesized, synthesize } from '../synthesize.ts';

const vpc = {
  subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
  securityGroupIds: ['sg-0123456789abcdef0'],
};
const vpcConfig = { SubnetIds: vpc.subnetIds, SecurityGroupIds: vpc.securityGroupIds };
const vaultFamilies: RouteFamily[] = ['secrets', 'connections', 'bindings'];

const functionsById = (synth: Synthesized) => resourcesOf(synth.template, 'AWS::Lambda::Function');
const inVpc = (synth: Synthesized) =>
  Object.entries(functionsById(synth))
    .filter(([, fn]) => fn.Properties.VpcConfig !== undefined)
    .map(([id]) => id)
    .sort();

describe('without a VPC', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ layer: { assetPath: fixtureLayerPath } });
  });
  afterAll(() => synth?.dispose());

  it('runs every function in Lambda’s own network, and grants no EC2 action', () => {
    expect(inVpc(synth)).toEqual([]);
    expect(JSON.stringify(synth.template.toJSON())).not.toContain('ec2:');
  });

  it('reserves 50 instances for each API function, 10 for the console’s, and none for the background functions', () => {
    const api = new Set(
      Object.values(synth.stack.secretm.functions).map((fn) => logicalId(synth.stack, fn.function)),
    );
    const consoleFn = logicalId(synth.stack, synth.stack.secretm.console!.site.function.function);
    for (const [id, fn] of Object.entries(functionsById(synth))) {
      expect(fn.Properties.ReservedConcurrentExecutions, id).toBe(
        api.has(id) ? 50 : id === consoleFn ? 10 : undefined,
      );
    }
  });
});

describe('with a VPC for the worker only, and reserved concurrency turned off', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ layer: { assetPath: fixtureLayerPath }, vpc, api: { reservedConcurrency: false } });
  });
  afterAll(() => synth?.dispose());

  it('runs the rotation worker alone in the configured subnets and security groups', () => {
    const worker = logicalId(synth.stack, synth.stack.secretm.rotation.worker.function);
    expect(inVpc(synth)).toEqual([worker]);
    expect(functionsById(synth)[worker]!.Properties.VpcConfig).toEqual(vpcConfig);
  });

  it('reserves no concurrency', () => {
    for (const fn of Object.values(functionsById(synth))) {
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  it('lets the worker make network interfaces in the configured subnets and groups only', async () => {
    const stack = deployedStack(synth.stack.stackName, synth.template.toJSON() as never);
    const caller = { stack, role: logicalId(synth.stack, synth.stack.secretm.rotation.worker.role) };
    const arn = (type: string, id: string) => `arn:aws:ec2:${region}:${account}:${type}/${id}`;
    const decide = (action: string, resource: string) => evaluate(caller, { action, resource }, [stack]);

    for (const subnet of vpc.subnetIds) {
      expect(await decide('ec2:CreateNetworkInterface', arn('subnet', subnet))).toBe('Allowed');
    }
    expect(await decide('ec2:CreateNetworkInterface', arn('security-group', vpc.securityGroupIds[0]!))).toBe(
      'Allowed',
    );
    expect(
      await decide('ec2:CreateNetworkInterface', arn('network-interface', 'eni-0123456789abcdef0')),
    ).toBe('Allowed');
    expect(await decide('ec2:CreateNetworkInterface', arn('subnet', 'subnet-0aaaaaaaaaaaaaaaa'))).toBe(
      'ImplicitlyDenied',
    );
    expect(await decide('ec2:CreateNetworkInterface', arn('security-group', 'sg-0aaaaaaaaaaaaaaaa'))).toBe(
      'ImplicitlyDenied',
    );
    for (const action of [
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ]) {
      expect(await decide(action, arn('network-interface', 'eni-0123456789abcdef0')), action).toBe('Allowed');
    }
    for (const action of ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets']) {
      expect(await decide(action, '*'), action).toBe('Allowed');
    }
    // Nothing else of EC2: not another account's interfaces, not instances.
    expect(
      await decide(
        'ec2:DeleteNetworkInterface',
        `arn:aws:ec2:${region}:444455556666:network-interface/eni-1`,
      ),
    ).toBe('ImplicitlyDenied');
    expect(await decide('ec2:RunInstances', arn('subnet', vpc.subnetIds[0]!))).toBe('ImplicitlyDenied');
    // The API functions stay out, and get none of it.
    const secrets = { stack, role: logicalId(synth.stack, synth.stack.secretm.functions.secrets.role) };
    expect(
      await evaluate(
        secrets,
        { action: 'ec2:CreateNetworkInterface', resource: arn('subnet', vpc.subnetIds[0]!) },
        [stack],
      ),
    ).toBe('ImplicitlyDenied');
  });

  it('uses no AWS managed policy for it, and leaves cdk-nag nothing to report', () => {
    for (const role of Object.values(resourcesOf(synth.template, 'AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    expect(synth.violations).toEqual([]);
  });
});

describe('with a VPC for the API functions too, and a reserved concurrency of 20', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({
      layer: { assetPath: fixtureLayerPath },
      vpc: { ...vpc, apiFunctions: true },
      api: { reservedConcurrency: 20 },
    });
  });
  afterAll(() => synth?.dispose());

  it('adds the families that reach vaults and databases, and no other', () => {
    const { secretm } = synth.stack;
    const expected = [
      secretm.rotation.worker.function,
      ...vaultFamilies.map((family) => secretm.functions[family].function),
    ].map((fn) => logicalId(synth.stack, fn));
    expect(inVpc(synth)).toEqual(expected.sort());
    for (const id of expected) expect(functionsById(synth)[id]!.Properties.VpcConfig).toEqual(vpcConfig);
  });

  it('reserves the configured concurrency for each API function', () => {
    for (const fn of Object.values(synth.stack.secretm.functions)) {
      expect(
        functionsById(synth)[logicalId(synth.stack, fn.function)]!.Properties.ReservedConcurrentExecutions,
      ).toBe(20);
    }
  });

  it('leaves cdk-nag nothing to report', () => {
    expect(synth.violations).toEqual([]);
  });
});
