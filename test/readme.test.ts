/** The README's curl walk-through runs as written against local mode: every request answers 2xx. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectionBody, kindSchemas } from '../shared/connections/connection-schemas.ts';
import { buildCostReport } from '../shared/costs/cost-report.ts';
import { costReportSchema } from '../shared/costs/cost-schemas.ts';
import { defaultPrices } from '../shared/costs/prices.ts';
import { type LocalApi, startLocalApi } from './local/local-fixture.ts';

let api: LocalApi;
beforeAll(async () => {
  api = await startLocalApi();
});
afterAll(async () => {
  await api.stop();
});

async function walkThrough(): Promise<string> {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Try it'),
    readme.indexOf('\n## ', readme.indexOf('## Try it') + 1),
  );
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  return blocks
    .join('\n')
    .split('\n')
    .filter((line) => !line.startsWith('export SECRETM_API_KEY=') && !line.startsWith('export SM='))
    .join('\n')
    .replaceAll('curl -s ', 'curl -sS --fail-with-body ');
}

describe('the README walk-through', () => {
  it('runs as written, each request answered with success', async () => {
    const script = await walkThrough();
    expect(script.split('curl ').length - 1).toBeGreaterThan(12);

    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
      env: { PATH: process.env.PATH, SECRETM_API_KEY: api.adminKey, SM: api.url },
    });

    expect(stdout).toContain('"name":"prod-db"');
    expect(stdout).toContain("DB_PASSWORD='s3cr#t'");
    expect(stdout).toContain('not really a key');
  });
});

describe('the README connection bodies', () => {
  it('documents every vault kind but local with a body its schemas accept', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('## Connections');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const bodies = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1]!));

    const kinds = bodies.map((body) => body.kind);
    expect(new Set(kinds)).toEqual(new Set(['aws-secrets-manager', 'hashicorp-vault', 'azure-key-vault']));
    for (const body of bodies) {
      const parsed = createConnectionBody.parse(body);
      const schemas = kindSchemas[parsed.kind];
      expect(schemas.config.safeParse(parsed.config).success, body.name).toBe(true);
      expect(schemas.credentials.safeParse(parsed.credentials).success, body.name).toBe(true);
    }
  });
});

describe('the README cost example', () => {
  it('is what the report computes for its month, to the cent', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('## Costs');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const shown = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]!);
    const at = (iso: string) => new Date(iso);
    // The month behind the example: prod-db all October, api-token from the 15th.
    const computed = buildCostReport({
      month: '2026-10',
      now: at('2026-11-02T03:00:00Z'),
      lives: [
        {
          name: 'prod-db',
          connection: 'aws',
          vaultRef: 'secretm/prod/default/prod-db',
          intervals: [{ from: at('2026-06-01T00:00:00Z') }],
        },
        {
          name: 'api-token',
          connection: 'aws',
          vaultRef: 'secretm/prod/default/api-token',
          intervals: [{ from: at('2026-10-15T00:00:00Z') }],
        },
      ],
      usage: [
        {
          connection: 'aws',
          ref: 'secretm/prod/default/prod-db',
          calls: { GetSecretValue: 1_234_567, PutSecretValue: 2 },
          hits: 48_211_902,
        },
        {
          connection: 'aws',
          ref: 'secretm/prod/default/api-token',
          calls: { CreateSecret: 1, GetSecretValue: 812 },
          hits: 90_115,
        },
        { connection: 'aws', calls: { BatchGetSecretValue: 3_100 }, hits: 0 },
      ],
      kindOf: () => 'aws-secrets-manager',
      prices: defaultPrices,
    });
    expect(costReportSchema.parse(shown)).toEqual(shown);
    expect(shown).toEqual({ ...computed, rolledUpAt: '2026-11-02T03:00:00.000Z' });
  });
});
