/** `secretm rollback NAME --to N`: an earlier version's value, written again as a new version. */
import type { Context } from '../context.ts';

interface Options {
  to: number;
  ifVersion?: number;
}

export async function run(ctx: Context, [name]: [string], options: Options): Promise<void> {
  const { body } = await (await ctx.api()).call('rollbackSecret', {
    params: { name },
    body: { version: options.to },
    ...(options.ifVersion !== undefined ? { ifMatch: options.ifVersion } : {}),
  });
  if (ctx.out.json) return ctx.out.data(body);
  ctx.out.success(`Rolled ${name} back to version ${options.to}'s value, as version ${body.version}`);
}
