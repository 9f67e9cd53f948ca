import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretmConfigInput } from '../../infra/config.ts';
import { fixtureLayerPath, type Synthesized, synthesize } from './synthesize.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cdkJson = JSON.parse(readFileSync(path.join(repoRoot, 'cdk.json'), 'utf8')) as {
  app: string;
  context: { secretm: SecretmConfigInput };
};

const configurations: Record<string, SecretmConfigInput> = {
  'cdk.json (API keys)': { ...cdkJson.context.secretm, layer: { assetPath: fixtureLayerPath } },
  'prod with JWT, replicas, keys, roles and a shared layer': {
    stage: 'prod',
    auth: { mode: 'jwt', issuer: 'https://issuer.example.com', audience: ['secretm'] },
    vaults: {
      allowed: ['aws-secrets-manager', 'hashicorp-vault', 'azure-key-vault'],
      awsSecretsManager: {
        replicaRegions: ['eu-west-1', 'us-west-2'],
        kmsKeyArns: ['arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0'],
        assumeRoleArns: ['arn:aws:iam::210987654321:role/secretm-reader'],
        importable: { payments: ['legacy/*'], billing: ['shared-db'] },
      },
    },
    layer: {
      assetPath: fixtureLayerPath,
      shareWith: { accountIds: ['111111111111'], organizationId: 'o-a1b2c3d4e5' },
    },
  },
};

/** Every acknowledgement recorded in the construct tree, with where it was made. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe.each(Object.entries(configurations))('the secretm app, %s', (_name, config) => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(config);
  });
  afterAll(() => synth?.dispose());

  it('passes cdk-nag’s AWS Solutions rules with nothing left unacknowledged', () => {
    const findings = synth.violations.map(
      (violation) =>
        `${violation.severity} ${violation.ruleName}: ${violation.violatingConstructs.map((c) => c.constructPath).join(', ')}`,
    );

    expect(findings).toEqual([]);
  });

  it('acknowledges each finding with a written reason', () => {
    const acknowledged = acknowledgements(synth.app);

    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { path: where, id, reason } of acknowledged) {
      // CDK files a bare rule id (cdk-nag's documented form) under the Annotation namespace.
      expect(id, where).toMatch(/^Annotation::AwsSolutions-[A-Z]+\d+/);
      expect(reason.split(' ').length, `${where} ${id}`).toBeGreaterThanOrEqual(8);
    }
  });
});

describe('infra/app.ts', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'secretm-app-'));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('is what cdk.json runs, and synthesizes offline with Node’s own type stripping', async () => {
    expect(cdkJson.app).toBe('node infra/app.ts');
    const context = {
      ...cdkJson.context,
      secretm: { ...cdkJson.context.secretm, stage: 'apptest' },
      'aws:cdk:bundling-stacks': [],
    };

    await promisify(execFile)(process.execPath, ['infra/app.ts'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        AWS_EC2_METADATA_DISABLED: 'true',
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify(context),
      },
    });

    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string }>;
    };
    expect(manifest.artifacts['Secretm-apptest']?.type).toBe('aws:cloudformation:stack');
  }, 60_000);
});
