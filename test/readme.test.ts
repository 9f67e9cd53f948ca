/**
 * Every example of the README is run or checked: its shell blocks run as written, in order, against
 * local mode (with a live PostgreSQL for the database rotation), each request answered with success and
 * each block's answers checked; the connection bodies are checked against the connection schemas and
 * the cost example against what the report computes. A block that is none of these says why, or this
 * test fails. The API table is checked against the route table, route by route.
 */

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { routes } from '../functions/routes.ts';
import { auditColumns } from '../shared/audit/audit-csv.ts';
import { createConnectionBody, kindSchemas } from '../shared/connections/connection-schemas.ts';
import { buildCostReport } from '../shared/costs/cost-report.ts';
import { costReportSchema } from '../shared/costs/cost-schemas.ts';
import { defaultPrices } from '../shared/costs/prices.ts';
import {
  type CodeBlock,
  classify,
  codeBlocks,
  jsonAnswers,
  runShellExamples,
  type ShellRun,
} from './docs/markdown-examples.ts';
import { type LocalApi, startLocalApi } from './local/local-fixture.ts';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
const blocks = codeBlocks(readme);
const plan = classify(blocks);

/** The checks a block may name with `example: checked by NAME`. */
const checks: Record<string, (block: CodeBlock) => void> = {
  'connection-body': (block) => {
    const body = JSON.parse(block.text);
    const parsed = createConnectionBody.parse(body);
    const schemas = kindSchemas[parsed.kind];
    expect(schemas.config.safeParse(parsed.config).success, body.name).toBe(true);
    expect(schemas.credentials.safeParse(parsed.credentials).success, body.name).toBe(true);
  },
  'cost-report': (block) => {
    const shown = JSON.parse(block.text);
    expect(costReportSchema.parse(shown)).toEqual(shown);
    expect(shown).toEqual({ ...costExampleMonth(), rolledUpAt: '2026-11-02T03:00:00.000Z' });
  },
};

describe('the README’s code blocks', () => {
  it('are each run, checked by a named check, or marked not run with a reason', () => {
    expect(plan.errors).toEqual([]);
    // TypeScript examples run with the layer pointed at local mode, as test/docs/docs-examples.test.ts does.
    expect(plan.runTypeScript, 'README TypeScript blocks this test would not run').toEqual([]);
    expect([...plan.checked.keys()].sort()).toEqual(Object.keys(checks).sort());
    expect(plan.run.length).toBeGreaterThan(10);
    for (const block of plan.notRun)
      expect(block.marker?.kind === 'not-run' && block.marker.reason).toBeTruthy();
  });

  it('hold connection bodies for every vault kind but local, each accepted by its schemas', () => {
    const bodies = plan.checked.get('connection-body') ?? [];
    for (const block of bodies) checks['connection-body']!(block);

    expect(new Set(bodies.map((block) => JSON.parse(block.text).kind))).toEqual(
      new Set(['aws-secrets-manager', 'hashicorp-vault', 'azure-key-vault']),
    );
  });

  it('hold a cost example that is what the report computes for its month, to the cent', () => {
    const shown = plan.checked.get('cost-report') ?? [];
    expect(shown).toHaveLength(1);
    checks['cost-report']!(shown[0]!);
  });
});

describe('the README’s shell examples, run as written against local mode', () => {
  let api: LocalApi;
  let folder: string;
  let run: ShellRun;
  const ordersPassword = `orders-${randomBytes(12).toString('hex')}`;
  const database = () => ({
    host: inject('postgresHost'),
    port: inject('postgresPort'),
    database: inject('postgresDatabase'),
  });

  beforeAll(async () => {
    api = await startLocalApi();
    folder = await mkdtemp(join(tmpdir(), 'secretm-readme-'));
    await writeFile(
      join(folder, '.env'),
      '# the app\nAPP_URL=https://app.internal\nAPP_TOKEN="t0ken with spaces"\n',
    );
    // The database the rotation example names: a login `orders` on the run's PostgreSQL.
    const admin = new pg.Client({
      ...database(),
      user: inject('postgresUser'),
      password: inject('postgresPassword'),
    });
    await admin.connect();
    try {
      await admin.query('DROP ROLE IF EXISTS orders_clone');
      await admin.query('DROP ROLE IF EXISTS orders');
      await admin.query(`CREATE ROLE orders WITH LOGIN PASSWORD '${ordersPassword}'`);
    } finally {
      await admin.end();
    }
    run = await runShellExamples(plan.run, {
      cwd: folder,
      env: {
        SECRETM_API_KEY: api.adminKey,
        SM: api.url,
        PGHOST: database().host,
        PGPORT: String(database().port),
        PGDATABASE: database().database,
        PGUSER: inject('postgresUser'),
        PGPASSWORD: inject('postgresPassword'),
        ORDERS_PASSWORD: ordersPassword,
      },
    });
  }, 180_000);
  afterAll(async () => {
    await api?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  /** The answers of the one run block that contains `text`. */
  function output(text: string): string {
    const found = plan.run.flatMap((block, i) => (block.text.includes(text) ? [i] : []));
    expect(found, `run blocks containing ${text}`).toHaveLength(1);
    return run.outputs[found[0]!]!;
  }
  const answers = (text: string) => jsonAnswers(output(text));

  it('runs every block, each request answered with success', () => {
    expect(run.outputs).toHaveLength(plan.run.length);
  });

  it('creates a secret from a pasted .env, and from a .env file through jq', () => {
    const [created] = answers('"name": "prod-db", "type": "env"');
    const [fromFile] = answers('jq -Rs');

    expect(created).toMatchObject({ name: 'prod-db', type: 'env', version: 1, tags: { team: 'payments' } });
    expect(created.keys.sort()).toEqual(['CA', 'DB_HOST', 'DB_PASSWORD']);
    expect(fromFile).toMatchObject({ name: 'app', version: 1 });
    expect(fromFile.keys.sort()).toEqual(['APP_TOKEN', 'APP_URL']);
  });

  it('reads the value as JSON and as dotenv', () => {
    const text = output('value?format=dotenv');
    const [asJson] = jsonAnswers(text);

    expect(asJson.data).toEqual({ DB_HOST: 'db.internal', DB_PASSWORD: 's3cr#t', CA: 'line one\nline two' });
    expect(text).toContain("DB_PASSWORD='s3cr#t'");
  });

  it('patches with If-Match, clones, lists versions, reads an old one and rolls back', () => {
    const [patched] = answers('"unset": ["CA"]');
    const [cloned, versions, old, rolledBack] = answers('"name": "staging-db"');

    expect(patched).toMatchObject({ version: 2 });
    expect(patched.keys.sort()).toEqual(['DB_HOST', 'DB_PASSWORD']);
    expect(cloned).toMatchObject({ name: 'staging-db', version: 1 });
    expect(JSON.stringify(versions)).toMatch(/"version":2[\s\S]*"version":1/);
    expect(old.data.CA).toBe('line one\nline two');
    expect(rolledBack).toMatchObject({ version: 3 });
  });

  it('deletes with a recovery window and restores', () => {
    const [deleted, restored] = answers('/restore');

    expect(Date.parse(deleted.deletionDate) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(restored).toMatchObject({ name: 'prod-db' });
  });

  it('stores a file secret and reads its bytes', () => {
    expect(output('tls-key/value?format=raw')).toContain('not really a key');
  });

  it('makes a read-and-reveal key, shown once, and lists by prefix and tag', () => {
    const [key, list] = answers('"scopes": ["read", "reveal"]');

    expect(key).toMatchObject({ name: 'ci', scopes: ['read', 'reveal'] });
    expect(key.key).toEqual(expect.any(String));
    expect(list.items.map((secret: { name: string }) => secret.name)).toEqual(['prod-db']);
  });

  it('shows this month’s costs as JSON and CSV', () => {
    const text = output('/v1/costs?month=');
    const [report] = jsonAnswers(text);

    expect(report.month).toBe(new Date().toISOString().slice(0, 7));
    expect(report.secrets.map((secret: { name: string }) => secret.name)).toContain('prod-db');
    expect(text).toMatch(/\nmonth,connection,name,/);
  });

  it('reads the audit filtered by secret, exports failures as CSV, and verifies it', () => {
    const text = output('/v1/audit/verify');
    const [page, verified] = jsonAnswers(text);

    expect(page.items.length).toBeGreaterThan(0);
    for (const event of page.items) expect(event.target).toContain('prod-db');
    expect(text).toContain(`\n${auditColumns.join(',')}\r\n`);
    expect(text).not.toContain('s3cr#t');
    expect(verified).toMatchObject({ intact: true });
    expect(verified.firstProblem).toBeUndefined();
  });

  it('rotates a key to a random value now, then turns rotation off', () => {
    const [settings, rotated, off] = answers('"strategy":"random"');

    expect(settings.rotation).toMatchObject({ enabled: true, strategy: 'random', schedule: 'rate(90 days)' });
    expect(rotated).toMatchObject({ name: 'prod-db', outcome: 'rotated' });
    expect(off.rotation).toMatchObject({ enabled: false });
  });

  it('rotates a database password on the database, to a login that works', async () => {
    const all = answers('"strategy":"database"');
    const rotated = all[3];
    const value = all[4];

    expect(all[2].rotation).toMatchObject({ enabled: true, strategy: 'database' });
    expect(rotated).toMatchObject({ name: 'orders-db', outcome: 'rotated' });
    expect(value.data.username).toBe('orders_clone');
    expect(value.data.password).not.toBe(ordersPassword);
    const client = new pg.Client({ ...database(), user: value.data.username, password: value.data.password });
    await client.connect();
    try {
      expect((await client.query('SELECT current_user AS who')).rows).toEqual([{ who: 'orders_clone' }]);
    } finally {
      await client.end();
    }
  });
});

describe('the README’s API table', () => {
  const start = readme.indexOf('## The API in brief');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const rows = section
    .split('\n')
    .filter((line) => /^\| `[A-Z]+ \//.test(line))
    .map((line) => line.split(/(?<!\\)\|/).map((cell) => cell.trim()));

  it('lists every route of the route table once, with its scope, and no route that does not exist', () => {
    const listed = rows.map(([, route, scope]) => `${/^`([^`?]+)/.exec(route!)![1]} ${scope}`);
    const table = routes.map((route) => `${route.method} ${route.path} ${route.scope ?? 'public'}`);

    expect(
      table.filter((route) => !listed.includes(route)),
      'routes the README table lacks (add a row: | `METHOD /path` | scope | what it does |)',
    ).toEqual([]);
    expect(
      listed.filter((row) => !table.includes(row)),
      'README rows that match no route of functions/routes.ts',
    ).toEqual([]);
    expect(listed).toHaveLength(new Set(listed).size);
  });

  it('says what each route does', () => {
    for (const [, route, , what] of rows) expect(what, route).not.toBe('');
  });
});

/** The month behind the README's cost example: prod-db all October, api-token from the 15th. */
function costExampleMonth() {
  const at = (iso: string) => new Date(iso);
  return buildCostReport({
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
}
