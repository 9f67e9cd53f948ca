/**
 * The OpenAPI document generated from the route table: every route in it, a license and a server,
 * and no error from Redocly's linter with its recommended rules (what third-party tools read first).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../functions/http/openapi.ts';
import { routes } from '../../../functions/routes.ts';

const redoclyCli = fileURLToPath(new URL('../../../node_modules/@redocly/cli/bin/cli.js', import.meta.url));

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string }[];
}

async function lint(document: unknown): Promise<LintReport> {
  // A folder of its own: no redocly.yaml of anyone's is picked up, only the recommended rules.
  const dir = await mkdtemp(join(tmpdir(), 'secretm-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(document));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [redoclyCli, 'lint', file, '--format=json'],
      {
        cwd: dir,
        maxBuffer: 16 * 1024 * 1024,
        // Nothing leaves the machine: no telemetry, no update check.
        env: { PATH: process.env.PATH, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    return JSON.parse(stdout.slice(stdout.indexOf('{'))) as LintReport;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the OpenAPI document', () => {
  const document = openApiDocument(routes) as {
    info: { license?: { name: string } };
    servers?: { url: string }[];
    paths: Record<string, Record<string, { operationId: string }>>;
  };

  it('describes every route of the route table, once each', () => {
    const described = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );

    expect(described.sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('names its license and a server relative to itself, which any deployment serves', () => {
    expect(document.info.license?.name).toBe('Apache-2.0');
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('passes Redocly’s recommended rules with no error and no warning', async () => {
    const report = await lint(document);

    expect(
      report.problems.map((problem) => `${problem.severity} ${problem.ruleId}: ${problem.message}`),
    ).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 120_000);
});
