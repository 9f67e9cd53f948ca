/** The README's CLI section runs as written (after `npm start`, which the fixture stands for): three commands, then `env` shows the secret. */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, startCli } from './cli-fixture.ts';

let cli: CliFixture;

beforeAll(async () => {
  cli = await startCli();
});
afterAll(async () => {
  await cli?.stop();
});

async function readmeCommands(): Promise<string[]> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('## The `secretm` CLI');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

describe('the README’s CLI section', () => {
  it('goes from `npm start` to `secretm run -- env` in three commands', async () => {
    const commands = await readmeCommands();
    expect(commands[0]).toBe('npm start');
    expect(commands.slice(1).every((command) => command.startsWith('npx secretm '))).toBe(true);
    expect(commands.at(-1)).toMatch(/^npx secretm run .*-- env$/);
    // `npx secretm` is the built CLI here; the key is pasted on standard input, as at the prompt.
    const secretm = join(cli.home, 'secretm');
    await writeFile(secretm, `#!/bin/sh\nexec '${process.execPath}' '${cli.bin}' "$@"\n`, { mode: 0o755 });
    const script = [
      'set -e',
      ...commands.slice(1).map((command) => command.replace(/^npx secretm /, `${secretm} `)),
    ].join('\n');
    const pending = promisify(execFile)('bash', ['-c', `${script}\n`], {
      env: { PATH: process.env.PATH ?? '', HOME: cli.home, SECRETM_ENDPOINT: cli.api.url },
    });
    pending.child.stdin!.end(`${cli.api.adminKey}\n`);
    const { stdout } = await pending.catch((error) => {
      throw new Error(`${error.message}\n${error.stderr}`);
    });
    expect(stdout.split('\n')).toContain('GREETING=hello');
  });
});
