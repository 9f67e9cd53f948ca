/**
 * `secretm completion`: the bash script loads in bash and completes commands, subcommands and options
 * from the command table; zsh and fish scripts cover the same commands.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, startCli } from './cli-fixture.ts';

let cli: CliFixture;
let bashScript: string;

beforeAll(async () => {
  cli = await startCli();
  const printed = await cli.run(['completion', 'bash']);
  expect(printed.code).toBe(0);
  bashScript = join(cli.home, 'secretm.bash');
  await writeFile(bashScript, printed.stdout);
});
afterAll(async () => {
  await cli?.stop();
});

/** What bash offers after `words` (the last one being completed), with the script loaded. */
async function complete(...words: string[]): Promise<string[]> {
  const line = ['secretm', ...words];
  const script = `set -eu
source ${bashScript}
[[ "$(complete -p secretm)" == *"-F _secretm secretm"* ]] || { echo "not registered" >&2; exit 1; }
COMP_WORDS=(${line.map((word) => `'${word}'`).join(' ')})
COMP_CWORD=${line.length - 1}
_secretm
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await promisify(execFile)('bash', ['--norc', '--noprofile', '-c', script]);
  return stdout.split('\n').filter(Boolean);
}

describe('bash completion', () => {
  it('loads in bash and completes commands', async () => {
    expect(await complete('')).toEqual(
      expect.arrayContaining([
        'login',
        'ls',
        'get',
        'set',
        'run',
        'import',
        'connections',
        'keys',
        'completion',
        'help',
      ]),
    );
    expect(await complete('ro')).toEqual(['rollback', 'rotate']);
  });

  it('completes subcommands, and each command’s own options', async () => {
    expect(await complete('keys', '')).toEqual(['create', 'ls', 'revoke', 'rotate-operator']);
    expect(await complete('run', '--o')).toEqual(['--override']);
    expect(await complete('keys', 'create', '--sc')).toEqual(['--scope']);
    expect(await complete('get', 'app', '--')).toEqual(
      expect.arrayContaining(['--key', '--version', '--format', '--profile', '--json', '--help']),
    );
  });

  it('completes commands after `run … --`', async () => {
    expect(await complete('run', '-s', 'app', '--', 'bas')).toContain('bash');
  });
});

describe('zsh and fish completion', () => {
  it('names every command with its summary', async () => {
    const zsh = await cli.run(['completion', 'zsh']);
    expect(zsh.stdout.startsWith('#compdef secretm\n')).toBe(true);
    expect(zsh.stdout).toMatch(/'rollback:Write an earlier version'\\''s value again, as a new version'/);
    const fish = await cli.run(['completion', 'fish']);
    expect(fish.stdout).toContain("complete -c secretm -n __fish_use_subcommand -a 'run'");
    expect(fish.stdout).toMatch(
      /complete -c secretm -n '__fish_seen_subcommand_from keys; and not __fish_seen_subcommand_from create ls revoke rotate-operator' -a 'create'/,
    );
    const other = await cli.run(['completion', 'tcsh']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('must be one of bash, zsh, fish');
  });
});
