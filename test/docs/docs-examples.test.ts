/**
 * The examples of docs/bindings.md, docs/rotation.md and docs/templates.md, run as the README's are
 * (test/readme.test.ts): each document's shell blocks run in order against a local mode of its own,
 * every request answered with success, then its TypeScript blocks with the `secretm` layer pointed at
 * that local mode (its table, tenant and vault folder, through the variables the layer reads); a block
 * marked `checked by answer` is deep-equal to the last JSON answer of the block before it, one marked
 * `checked by output` is exactly what that block printed. Any other block is marked not run, with a
 * reason.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../local/local-fixture.ts';
import {
  type CodeBlock,
  classify,
  codeBlocks,
  jsonAnswers,
  runShellExamples,
  runTypeScriptExample,
} from './markdown-examples.ts';

const layerEntry = fileURLToPath(new URL('../../layers/secretm/src/index.ts', import.meta.url));

/** The environment of a function whose `secretm` layer reads from this local mode. */
function layerEnvironment(api: LocalApi): Record<string, string> {
  return {
    SECRETM_TABLE_NAME: api.tableName,
    SECRETM_TENANT: 'default',
    SECRETM_LOCAL_VAULT_DIR: join(api.dataDir, 'vault'),
    SECRETM_METRICS: 'off',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

interface DocumentRun {
  plan: ReturnType<typeof classify>;
  api: LocalApi;
  /** What each run block printed, by the line of its opening fence. */
  printed: Map<number, string>;
  /** What the one run block containing `text` printed. */
  output(text: string): string;
}

/** Checks beyond the answers a document shows. */
const further: Record<string, { name: string; check: (run: DocumentRun) => Promise<void> | void }[]> = {
  'docs/bindings.md': [
    {
      name: 'saves the binding as a first version that names no value',
      check: async ({ api, output }) => {
        const [saved] = jsonAnswers(output('"description": "the orders API"'));
        const read = await api.request('GET', '/v1/bindings/orders-api');

        expect(saved).toMatchObject({ service: 'orders-api', version: 1, description: 'the orders API' });
        expect(saved.entries).toHaveLength(4);
        expect(read.json).toEqual(saved);
        expect(JSON.stringify(read.json)).not.toContain('pw-1');
      },
    },
    {
      name: 'writes a .env of the worker’s variables, and resolves the new value after a change',
      check: ({ output }) => {
        expect(output('> orders-worker.env')).toMatch(/DB_USER=.*orders.*\nDB_PASSWORD=.*pw-1/);
        expect(output('"password": "pw-2"')).toMatch(/DB_PASSWORD=.*pw-2/);
      },
    },
  ],
  'docs/rotation.md': [
    {
      name: 'turns a random rotation on, rotates the named key only, and turns it off',
      check: async ({ api, output }) => {
        const [created, turnedOn, rotated, turnedOff] = jsonAnswers(output('billing-token/rotate'));
        const value = await api.request('GET', '/v1/secrets/billing-token/value');

        expect(created).toMatchObject({ name: 'billing-token', version: 1 });
        expect(turnedOn.rotation).toMatchObject({
          enabled: true,
          schedule: 'rate(30 days)',
          strategy: 'random',
        });
        expect(rotated).toMatchObject({ name: 'billing-token', outcome: 'rotated', version: 2 });
        expect(turnedOff.rotation).toMatchObject({ enabled: false });
        expect(value.json.data.ACCOUNT).toBe('acme');
        expect(value.json.data.API_TOKEN).toMatch(/^.{32}$/);
        expect(value.json.data.API_TOKEN).not.toBe('first');
      },
    },
  ],
  'docs/templates.md': [
    {
      name: 'renders through the API and through the layer alike',
      check: ({ plan, printed }) => {
        const [layer] = plan.runTypeScript;
        expect(layer, 'a layer example').toBeDefined();
        expect(printed.get(layer!.line)!.trimEnd()).toBe(output(printed, plan, 'cat app.conf').trimEnd());
      },
    },
  ],
};

function output(printed: Map<number, string>, plan: DocumentRun['plan'], text: string): string {
  const found = [...plan.run, ...plan.runTypeScript].filter((block) => block.text.includes(text));
  expect(found, `run blocks containing ${text}`).toHaveLength(1);
  return printed.get(found[0]!.line)!;
}

describe.each(Object.keys(further))('the examples of %s', (path) => {
  let folder: string;
  let run: DocumentRun;

  beforeAll(async () => {
    const plan = classify(codeBlocks(await readFile(new URL(`../../${path}`, import.meta.url), 'utf8')));
    const api = await startLocalApi();
    folder = await mkdtemp(join(tmpdir(), 'secretm-docs-'));
    const printed = new Map<number, string>();
    run = { plan, api, printed, output: (text) => output(printed, plan, text) };
    const shell = await runShellExamples(plan.run, {
      cwd: folder,
      env: { SECRETM_API_KEY: api.adminKey, SM: api.url },
    });
    for (const [i, block] of plan.run.entries()) printed.set(block.line, shell.outputs[i]!);
    for (const block of plan.runTypeScript) {
      const printedByBlock = await runTypeScriptExample(block, {
        cwd: folder,
        env: layerEnvironment(api),
        modules: { secretm: layerEntry },
      });
      printed.set(block.line, printedByBlock);
    }
  }, 120_000);
  afterAll(async () => {
    await run?.api.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  /** What the run block just before `block` printed. */
  function outputBefore(block: CodeBlock): string {
    const before = [...run.printed.keys()].filter((line) => line < block.line);
    expect(before.length, `a run block before line ${block.line}`).toBeGreaterThan(0);
    return run.printed.get(Math.max(...before))!;
  }

  it('are each run, checked against what was run, or marked not run with a reason', () => {
    expect(run.plan.errors).toEqual([]);
    expect([...run.plan.checked.keys()].filter((check) => check !== 'answer' && check !== 'output')).toEqual(
      [],
    );
    expect(run.plan.run.length).toBeGreaterThan(2);
  });

  it('run as written: every request answered with success, every block printing', () => {
    expect(run.printed.size).toBe(run.plan.run.length + run.plan.runTypeScript.length);
  });

  it('show answers that are exactly what the API answered', () => {
    for (const block of run.plan.checked.get('answer') ?? []) {
      expect(jsonAnswers(outputBefore(block)).at(-1), `line ${block.line}`).toEqual(JSON.parse(block.text));
    }
  });

  it('show output that is exactly what the commands printed', () => {
    for (const block of run.plan.checked.get('output') ?? []) {
      expect(outputBefore(block).trimEnd(), `line ${block.line}`).toBe(block.text.trimEnd());
    }
    expect(
      (run.plan.checked.get('answer')?.length ?? 0) + (run.plan.checked.get('output')?.length ?? 0),
    ).toBeGreaterThan(0);
  });

  it.each(further[path]!.map((entry) => [entry.name, entry.check] as const))('%s', async (_name, check) => {
    await check(run);
  });
});
