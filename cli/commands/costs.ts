/** `secretm costs`: what each secret costs in a month — a table, the API's CSV, or its JSON. */
import type { Context } from '../context.ts';
import { usageError } from '../lib/errors.ts';

interface Options {
  month?: string;
  format?: 'table' | 'csv' | 'json';
}

export async function run(ctx: Context, _args: [], options: Options): Promise<void> {
  if (options.month && !/^\d{4}-(0[1-9]|1[0-2])$/.test(options.month))
    throw usageError('--month must be YYYY-MM');
  const format = options.format ?? (ctx.out.json ? 'json' : 'table');
  const api = await ctx.api();
  const month = options.month ? { month: options.month } : {};
  if (format === 'csv') {
    return ctx.out.write((await api.text('getCosts', { query: { ...month, format: 'csv' } })).body);
  }
  const { body: report } = await api.call('getCosts', { query: month });
  if (format === 'json') return ctx.out.data(report);
  ctx.out.table(
    ['SECRET', 'CONNECTION', 'HOURS', 'STORAGE', 'CALLS', 'CALL COST', 'CACHE HITS', 'SAVED', 'TOTAL'],
    report.secrets.map((item) => [
      item.name ?? `(${item.ref})`,
      item.connection,
      String(item.secretHours),
      `$${item.storageCost}`,
      String(Object.values(item.calls).reduce((sum, n) => sum + n, 0)),
      `$${item.callCost}`,
      String(item.cacheHits),
      `$${item.savedCost}`,
      `$${item.total}`,
    ]),
  );
  if (ctx.out.tty) {
    const projected = report.projected ? `, projected $${report.projected} by the month's end` : '';
    ctx.out.line(
      `\n${ctx.out.style('bold', `${report.month}: $${report.total}`)}${projected}; the cache saved $${report.savedCost}${report.complete ? '' : ' (month still running)'}`,
    );
  }
}
