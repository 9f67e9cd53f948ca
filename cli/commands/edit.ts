/**
 * `secretm edit NAME`: the value as dotenv in $VISUAL or $EDITOR (a private file, removed afterwards
 * whatever happens), then saved as a new version with If-Match, so an edit never overwrites a change
 * made meanwhile.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../context.ts';
import { CliError, exitCodes, usageError } from '../lib/errors.ts';
import { privateFolder, removeAll } from '../lib/private-files.ts';

export async function run(ctx: Context, [name]: [string]): Promise<void> {
  const api = await ctx.api();
  const current = await api.text('getSecretValue', { params: { name }, query: { format: 'dotenv' } });
  const version = current.version;
  const folder = await privateFolder('edit');
  const file = join(folder, `${name.replaceAll('/', '_')}.env`);
  const cleanUp = () => removeAll([folder]);
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanUp().finally(() => process.kill(process.pid, signal));
  };
  // The editor gets the terminal's Ctrl-C itself; secretm only cleans up on a hang-up or a kill.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  try {
    await writeFile(file, current.body, { mode: 0o600 });
    const code = await openEditor(file);
    if (code !== 0) throw new CliError(`the editor exited with ${code}; nothing was saved`, exitCodes.usage);
    const edited = await readFile(file, 'utf8');
    if (edited === current.body) {
      if (ctx.out.json) ctx.out.data({ name, version, changed: false });
      else ctx.out.success(`No changes; ${name} stays at version ${version}`);
      return;
    }
    const { body } = await api.call('replaceSecret', {
      params: { name },
      body: { dotenv: edited },
      ...(version !== undefined ? { ifMatch: version } : {}),
    });
    if (ctx.out.json) ctx.out.data(body);
    else ctx.out.success(`Saved ${name} (version ${body.version})`);
  } catch (error) {
    if (error instanceof CliError && error.api?.status === 412) {
      throw new CliError(
        `${name} changed while you were editing (it is no longer version ${version}); your edit was not saved`,
        exitCodes.conflict,
        `run \`secretm edit ${name}\` again to edit the new version`,
        error.api,
      );
    }
    throw error;
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    await cleanUp();
  }
}

function openEditor(file: string): Promise<number> {
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  if (!editor.trim()) throw usageError('set EDITOR to the editor to use');
  // As git does: the editor variable may hold arguments (`code --wait`), so a shell runs it.
  const child = spawn('/bin/sh', ['-c', `${editor} "$@"`, editor, file], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
