/** How a document's code blocks become examples: read, classified by their markers, run in one shell. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify, codeBlocks, runShellExamples, runTypeScriptExample } from './markdown-examples.ts';

const document = [
  '# Title', //                                     1
  '', //                                            2
  '```sh', //                                       3
  'export SM=http://example.invalid # yours', //    4
  'echo "one $SM"', //                              5
  '```', //                                         6
  '', //                                            7
  '<!-- example: checked by body-schema -->', //    8
  '', //                                            9
  '```json', //                                    10
  '{ "a": 1 }', //                                 11
  '```', //                                        12
  '## Part', //                                    13
  '<!-- example: not run — needs your own vault -->',
  '```sh',
  'vault login',
  '```',
  '```json',
  '{}',
  '```',
  '```',
  'a tree',
  '```',
].join('\n');

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'secretm-examples-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('reading a document’s code blocks', () => {
  it('finds each fenced block with its line, language, section and the marker before it', () => {
    const blocks = codeBlocks(document);

    expect(blocks.map(({ line, lang, section }) => [line, lang, section])).toEqual([
      [3, 'sh', '# Title'],
      [10, 'json', '# Title'],
      [15, 'sh', '## Part'],
      [18, 'json', '## Part'],
      [21, '', '## Part'],
    ]);
    expect(blocks[1]!.marker).toEqual({ kind: 'checked', check: 'body-schema' });
    expect(blocks[1]!.text).toBe('{ "a": 1 }\n');
    expect(blocks[2]!.marker).toEqual({ kind: 'not-run', reason: 'needs your own vault' });
  });

  it('runs unmarked shell blocks, hands marked ones to their check, and names every other block', () => {
    const plan = classify(codeBlocks(document));

    expect(plan.run.map((block) => block.line)).toEqual([3]);
    expect([...plan.checked.entries()].map(([name, blocks]) => [name, blocks.map((b) => b.line)])).toEqual([
      ['body-schema', [10]],
    ]);
    expect(plan.notRun.map((block) => block.line)).toEqual([15]);
    expect(plan.errors).toEqual([
      expect.stringMatching(/^line 18: a `json` block is neither run nor marked/),
      expect.stringMatching(/^line 21: a `plain` block is neither run nor marked/),
    ]);
  });

  it('runs TypeScript blocks apart from shell blocks', () => {
    const plan = classify(codeBlocks('```ts\nconsole.log(1);\n```\n```typescript\nconsole.log(2);\n```\n'));

    expect(plan.runTypeScript.map((block) => block.line)).toEqual([1, 4]);
    expect(plan.run).toEqual([]);
    expect(plan.errors).toEqual([]);
  });

  it('refuses a marker it does not understand, and a not-run marker without a reason', () => {
    expect(() => codeBlocks('<!-- example: skip -->\n```sh\nls\n```\n')).toThrow(
      /line 1: an example marker is/,
    );
    expect(() => codeBlocks('<!-- example: not run -->\n```sh\nls\n```\n')).toThrow(/line 1/);
    expect(() => codeBlocks('```sh\nls\n')).toThrow(/line 1: a code block is never closed/);
  });
});

describe('running shell examples', () => {
  it('runs the blocks in one session, the test’s values standing in for the exported ones', async () => {
    const blocks = codeBlocks(
      '```sh\nexport SM=http://127.0.0.1:8765\nGREETING=hi\n```\n```sh\necho "$GREETING $SM"\n```\n',
    );

    const run = await runShellExamples(blocks, { cwd: folder, env: { SM: 'http://127.0.0.1:1' } });

    expect(run.outputs).toEqual(['', 'hi http://127.0.0.1:1\n']);
  });

  it('refuses an export line that sets a variable the test does not provide beside one it does', async () => {
    const blocks = codeBlocks('```sh\nexport SM=x OTHER=y\n```\n');

    await expect(runShellExamples(blocks, { cwd: folder, env: { SM: 'z' } })).rejects.toThrow(
      /sets SM, OTHER, of which the test provides only SM/,
    );
  });

  it('names the document line of the command that failed', async () => {
    const blocks = codeBlocks('# Doc\n\n```sh\necho fine\n```\n\n```sh\ntrue\nfalse\necho never\n```\n');

    await expect(runShellExamples(blocks, { cwd: folder, env: {} })).rejects.toThrow(
      /example failed: document line 9[\s\S]*fine/,
    );
  });
});

describe('running TypeScript examples', () => {
  it('runs a block as a module, its types stripped, a named package imported from the path given', async () => {
    const module = join(folder, 'greeting.ts');
    await writeFile(module, 'export const greeting = (name: string): string => "hello " + name;\n');
    const [block] = codeBlocks(
      "```ts\nimport { greeting } from 'greeter';\nconst who: string = process.env.WHO ?? '';\nconsole.log(greeting(who));\n```\n",
    );

    const printed = await runTypeScriptExample(block!, {
      cwd: folder,
      env: { WHO: 'docs' },
      modules: { greeter: module },
    });

    expect(printed).toBe('hello docs\n');
  });

  it('names the block’s line when it fails', async () => {
    const [block] = codeBlocks("# Doc\n\n```ts\nthrow new Error('broken example');\n```\n");

    await expect(runTypeScriptExample(block!, { cwd: folder, env: {}, modules: {} })).rejects.toThrow(
      /the example at line 3 failed: [\s\S]*broken example/,
    );
  });
});
