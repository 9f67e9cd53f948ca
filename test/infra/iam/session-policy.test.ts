/**
 * The session policy of a tenant's credentials must fit what STS accepts (2,048 characters of JSON
 * without whitespace), or every request of that tenant fails. It is sized with a realistic
 * deployment here, and the synth refuses a configuration whose policy would not fit.
 */
import { describe, expect, it } from 'vitest';
import {
  arnParts,
  sessionPolicyMaxLength,
  type TenantAccessScope,
  tableArnOf,
  tenantSessionPolicy,
} from '../../../shared/tenancy/session-policy.ts';
import { fixtureLayerPath, synthesize } from '../synthesize.ts';

const longestTenant = 'a'.repeat(63);
const threeNames = ['legacy/payments/*', 'payments-shared-db', 'stripe/live-api-key'];
const parts = arnParts('arn:aws:kms:eu-west-1:123456789012:key/x');
/** A realistic deployment: the table as CloudFormation names it, 2 replica regions, 2 CMKs, 3 importable names, 2 roles. */
const scope: TenantAccessScope = {
  tableArn: tableArnOf(parts, 'Secretm-prod-SecretmDataTable7BFE0AA2-1Q2W3E4R5T6Y7'),
  tableKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0',
  stage: 'prod',
  replicaRegions: ['eu-central-1', 'us-west-2'],
  secretKeyArns: [
    'arn:aws:kms:eu-west-1:123456789012:key/1c2d3e4f-5061-7283-94a5-b6c7d8e9f0a1',
    'arn:aws:kms:eu-west-1:123456789012:key/2d3e4f50-6172-8394-a5b6-c7d8e9f0a1b2',
  ],
  importable: { acme: threeNames, [longestTenant]: threeNames, 'payments-platform': threeNames },
  assumeRoleArns: [
    'arn:aws:iam::210987654321:role/secretm-reader',
    'arn:aws:iam::210987654322:role/secretm-writer',
  ],
};
const sizeOf = (tenant: string, of = scope) => JSON.stringify(tenantSessionPolicy(tenant, of)).length;

describe('the tenant session policy', () => {
  it('fits STS’s 2,048 characters for a realistic deployment, whatever the tenant id’s length', () => {
    const sizes = {
      acme: sizeOf('acme'),
      'payments-platform': sizeOf('payments-platform'),
      'a 63-character tenant id': sizeOf(longestTenant),
      'acme without importable names': sizeOf('acme', { ...scope, importable: {} }),
    };
    console.info(`session policy sizes (limit ${sessionPolicyMaxLength}): ${JSON.stringify(sizes)}`);

    for (const [tenant, size] of Object.entries(sizes))
      expect(size, tenant).toBeLessThanOrEqual(sessionPolicyMaxLength);
  });

  it('has no whitespace to pack, and does not grow with regions, keys or roles: the role names those', () => {
    const policy = JSON.stringify(tenantSessionPolicy('acme', scope));
    const more: TenantAccessScope = {
      ...scope,
      replicaRegions: ['eu-central-1', 'us-west-2', 'ap-south-1', 'sa-east-1', 'ca-central-1'],
      secretKeyArns: [...(scope.secretKeyArns ?? []), ...(scope.secretKeyArns ?? [])],
      assumeRoleArns: [...(scope.assumeRoleArns ?? []), 'arn:aws:iam::210987654323:role/another'],
    };

    expect(policy).not.toMatch(/\s/);
    expect(sizeOf('acme', more)).toBe(policy.length);
    expect(policy).not.toContain('eu-central-1');
    // What is the tenant's is named exactly.
    expect(policy).toContain('"T#acme","T#acme#*"');
    expect(policy).toContain(':secret:secretm/prod/acme/*"');
    expect(policy).toContain(':secret:secretm/prod/_system/tenants/acme/*"');
  });

  it('names only the tenant’s own importable secrets (beta has none)', () => {
    const policy = JSON.stringify(tenantSessionPolicy('beta', scope));
    const theirs = JSON.stringify(tenantSessionPolicy('payments-platform', scope));

    expect(policy).not.toContain('legacy/payments');
    expect(theirs).toContain(':secret:legacy/payments/*"');
    expect(theirs).toContain(':secret:payments-shared-db-??????"');
  });
});

describe('the synth', () => {
  it('refuses importable names that would not fit a tenant’s session policy, naming the tenant', () => {
    const names = Array.from({ length: 30 }, (_, i) => `legacy/payments/service-${i}/database-credentials`);

    expect(() =>
      synthesize({
        layer: { assetPath: fixtureLayerPath },
        vaults: { awsSecretsManager: { importable: { payments: names } } },
      }),
    ).toThrow(
      /vaults\.awsSecretsManager\.importable\.payments: the tenant's session policy would be \d+ characters, and STS accepts 2048/,
    );
  });
});
