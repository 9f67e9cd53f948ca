/** `secretm rotate NAME`: rotate now, and say what the rotation did. */
import type { Context } from '../context.ts';
import { withSpinner } from '../lib/spinner.ts';

export async function run(ctx: Context, [name]: [string], options: { ifVersion?: number }): Promise<void> {
  const api = await ctx.api();
  const { body } = await withSpinner(ctx.out, `Rotating ${name}`, () =>
    api.call('rotateSecret', {
      params: { name },
      ...(options.ifVersion !== undefined ? { ifMatch: options.ifVersion } : {}),
    }),
  );
  if (ctx.out.json) return ctx.out.data(body);
  const rows: [string, string][] = [
    ['secret', body.name],
    ['outcome', body.outcome],
    ['version', String(body.version)],
  ];
  if (body.nextRotationAt) rows.push(['next rotation', body.nextRotationAt]);
  if (body.reason) rows.push(['reason', body.reason]);
  ctx.out.pairs(rows);
}
