/**
 * `secretm rm NAME`: deletion after a recovery window (restore brings it back); `--force` deletes at
 * once, after a confirmation on a terminal or `--yes` in a script.
 */
import type { Context } from '../context.ts';
import { usageError } from '../lib/errors.ts';
import { prompt } from '../lib/input.ts';
import { when } from '../lib/output.ts';

interface Options {
  force?: boolean;
  recoveryDays?: number;
  yes?: boolean;
}

export async function run(ctx: Context, [name]: [string], options: Options): Promise<void> {
  if (options.force && options.recoveryDays)
    throw usageError('--force deletes at once; leave out --recovery-days');
  if (options.recoveryDays !== undefined && (options.recoveryDays < 7 || options.recoveryDays > 30)) {
    throw usageError('--recovery-days must be 7 to 30');
  }
  if (options.force && !options.yes) {
    if (!process.stdin.isTTY)
      throw usageError('--force deletes at once, with no recovery; add --yes to confirm');
    const typed = await prompt(`Delete ${name} now, with no recovery? Type its name to confirm`, false);
    if (typed !== name) throw usageError('not confirmed; nothing was deleted');
  }
  const api = await ctx.api();
  const { body } = await api.call('deleteSecret', {
    params: { name },
    query: {
      ...(options.force ? { force: 'true' as const } : {}),
      ...(options.recoveryDays ? { recoveryWindowDays: options.recoveryDays } : {}),
    },
  });
  if (ctx.out.json) return ctx.out.data(body);
  if (options.force) ctx.out.success(`Deleted ${name}`);
  else
    ctx.out.success(
      `Deleted ${name}; \`secretm restore ${name}\` brings it back until ${when(ctx.out, body.deletionDate)}`,
    );
}
