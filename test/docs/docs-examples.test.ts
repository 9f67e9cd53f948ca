/**
 * The examples of docs/bindings.md and docs/templates.md, run as the README's are
 * (test/readme.test.ts): each document's shell blocks run in order against a local mode of its own,
 * every request answered with success; a block marked `checked by answer` is deep-equal to the last
 * JSON answer of the shell block before it, one marked `checked by output` is exactly what that block
 * printed. Any other block is marked not run, with a reason.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApi, startLocalApi } from '../local/local-fixture.ts';
import {
  type CodeBlock,
  classify,
  codeBlocks,
  jsonAnswers,
  runShellExamples,
  type ShellRun,
} from './markdown-examples.ts';

const documents = ['docs/bindings.md', 'docs/templates.md'];

describe.each(documents)('the examples of %s', (path) => {
  let markdown: string;
  let plan: ReturnType<typeof classify>;
  let api: LocalApi;
  let folder: string;
  let run: ShellRun;

  beforeAll(async () => {
    markdown = await readFile(new URL(`../../${path}`, import.meta.url), 'utf8');
    plan = classify(codeBlocks(markdown));
    api = await startLocalApi();
    folder = await mkdtemp(join(tmpdir(), 'secretm-docs-'));
    run = await runShellExamples(plan.run, {
      cwd: folder,
      env: { SECRETM_API_KEY: api.adminKey, SM: api.url },
    });
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  /** What the shell block just before `block` printed. */
  function outputBefore(block: CodeBlock): string {
    const index = plan.run.findLastIndex((candidate) => candidate.line < block.line);
    expect(index, `a shell block before line ${block.line}`).toBeGreaterThanOrEqual(0);
    return run.outputs[index]!;
  }

  it('are each run, checked against what was run, or marked not run with a reason', () => {
    expect(plan.errors).toEqual([]);
    expect([...plan.checked.keys()].filter((check) => check !== 'answer' && check !== 'output')).toEqual([]);
    expect(plan.run.length).toBeGreaterThan(2);
  });

  it('run as written, every request answered with success', () => {
    expect(run.outputs).toHaveLength(plan.run.length);
  });

  it('show answers that are exactly what the API answered', () => {
    for (const block of plan.checked.get('answer') ?? []) {
      expect(jsonAnswers(outputBefore(block)).at(-1), `line ${block.line}`).toEqual(JSON.parse(block.text));
    }
  });

  it('show output that is exactly what the commands printed', () => {
    for (const block of plan.checked.get('output') ?? []) {
      expect(outputBefore(block).trimEnd(), `line ${block.line}`).toBe(block.text.trimEnd());
    }
  });

  it('show at least one answer or output each', () => {
    expect(
      (plan.checked.get('answer')?.length ?? 0) + (plan.checked.get('output')?.length ?? 0),
    ).toBeGreaterThan(0);
  });
});

describe('the bindings examples, beyond the answers they show', () => {
  let api: LocalApi;
  let folder: string;
  let run: ShellRun;
  let blocks: CodeBlock[];

  beforeAll(async () => {
    blocks = classify(
      codeBlocks(await readFile(new URL('../../docs/bindings.md', import.meta.url), 'utf8')),
    ).run;
    api = await startLocalApi();
    folder = await mkdtemp(join(tmpdir(), 'secretm-docs-'));
    run = await runShellExamples(blocks, {
      cwd: folder,
      env: { SECRETM_API_KEY: api.adminKey, SM: api.url },
    });
  }, 120_000);
  afterAll(async () => {
    await api?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const output = (text: string) => run.outputs[blocks.findIndex((block) => block.text.includes(text))]!;

  it('saves the binding as a first version that names no value', async () => {
    const [saved] = jsonAnswers(output('"description": "the orders API"'));
    const read = await api.request('GET', '/v1/bindings/orders-api');

    expect(saved).toMatchObject({ service: 'orders-api', version: 1, description: 'the orders API' });
    expect(saved.entries).toHaveLength(4);
    expect(read.json).toEqual(saved);
    expect(JSON.stringify(read.json)).not.toContain('pw-1');
  });

  it('writes a .env of the worker’s variables, and resolves the new value after a change', () => {
    expect(output('> orders-worker.env')).toMatch(/DB_USER=.*orders.*\nDB_PASSWORD=.*pw-1/);
    expect(output('"password": "pw-2"')).toMatch(/DB_PASSWORD=.*pw-2/);
  });
});
