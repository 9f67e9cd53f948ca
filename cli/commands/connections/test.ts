/** `secretm connections test ID`: reach the vault and authenticate; each step's outcome. Exit 5 when one failed. */
import type { Context } from '../../context.ts';
import { CliError, exitCodes } from '../../lib/errors.ts';
import { withSpinner } from '../../lib/spinner.ts';

export async function run(ctx: Context, [id]: [string]): Promise<void> {
  const api = await ctx.api();
  const { body } = await withSpinner(ctx.out, `Testing ${id}`, () =>
    api.call('testConnection', { params: { id } }),
  );
  if (ctx.out.json) ctx.out.data(body);
  else
    ctx.out.table(
      ['STEP', 'OK', 'MESSAGE'],
      body.steps.map((step) => [
        step.step,
        step.ok ? ctx.out.style('green', 'ok') : ctx.out.style('red', 'failed'),
        step.message,
      ]),
    );
  if (!body.ok) {
    const failed = body.steps.find((step) => !step.ok);
    throw new CliError(
      `${id} does not work${failed ? `: ${failed.step} failed` : ''}`,
      exitCodes.unavailable,
      'check its settings and credentials (PUT /v1/connections/{id})',
    );
  }
}
