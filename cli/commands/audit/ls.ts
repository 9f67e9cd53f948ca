/**
 * `secretm audit ls`: audit events newest first, as `GET /v1/audit` answers them, filtered, up to
 * --limit (following the API's cursor: a page over a sparse range may hold few events, or none).
 * The read this command makes is itself audited (`audit.read`) and not shown.
 */
import type { Context } from '../../context.ts';
import { type AuditEvent, type AuditFilterOptions, AuditRows, auditFilters } from '../../lib/audit-events.ts';

interface Options extends AuditFilterOptions {
  limit?: number;
}

export async function run(ctx: Context, _args: [], options: Options): Promise<void> {
  const api = await ctx.api();
  const filters = auditFilters(options);
  const limit = options.limit ?? 100;
  const ownReads = new Set<string>();
  const items: AuditEvent[] = [];
  let cursor: string | undefined;
  do {
    const reply = await api.call('listAuditEvents', {
      query: { ...filters, limit: Math.min(1000, limit + 1), ...(cursor ? { cursor } : {}) },
    });
    if (reply.requestId) ownReads.add(reply.requestId);
    items.push(...reply.body.items.filter((event) => !ownReads.has(event.requestId)));
    cursor = reply.body.cursor;
  } while (cursor && items.length < limit);
  const events = items.slice(0, limit);
  if (ctx.out.json) return ctx.out.data(events);
  new AuditRows(ctx.out, false).print(events);
}
