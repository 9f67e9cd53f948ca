/**
 * `secretm audit tail`: the latest audit events, oldest first as `tail` prints lines, and with `--follow`
 * the new ones as they are written, polled from `GET /v1/audit` until Ctrl-C.
 *
 * Each read of the audit is itself audited (`audit.read`); the reads this command makes are hidden by
 * their request id, so following does not print its own polling. A poll reads again a minute back from
 * the newest event or poll it knows, so an event whose time is a little older than one already shown
 * (a request still running, a clock a little off) still shows, once: events are told apart by id, and
those already in that window when it starts are not printed by the polls.
 * A quiet audit is polled less often (up to 8 × --interval, 15 s at most); an unreachable API or a
 * throttled one is retried after a doubling delay, up to a minute. Ctrl-C (or SIGTERM) stops it with exit
 * code 0: following ends only that way, so it is the normal end, not a failure.
 */
import type { Context } from '../../context.ts';
import {
  type AuditEvent,
  type AuditFilterOptions,
  AuditRows,
  auditFilters,
  byTime,
} from '../../lib/audit-events.ts';
import { CliError, exitCodes } from '../../lib/errors.ts';

interface Options extends AuditFilterOptions {
  lines?: number;
  follow?: boolean;
  interval?: number;
}

const lookBackMs = 60_000;
const maxRetryDelayMs = 60_000;
const maxQuietDelayMs = 15_000;

export async function run(ctx: Context, _args: [], options: Options): Promise<void> {
  const api = await ctx.api();
  const filters = auditFilters(options);
  /** This command's own reads, by request id, and when they were made (forgotten after a few minutes). */
  const ownReads = new Map<string, number>();
  const read = async (query: { from?: string; limit: number; cursor?: string }) => {
    const reply = await api.call('listAuditEvents', { query: { ...filters, ...query } });
    if (reply.requestId) ownReads.set(reply.requestId, Date.now());
    return reply.body;
  };
  const notOwn = (event: AuditEvent) => !ownReads.has(event.requestId);

  const readAll = async (from: string) => {
    const found: AuditEvent[] = [];
    let next: string | undefined;
    do {
      const page = await read({ from, limit: 1000, ...(next ? { cursor: next } : {}) });
      found.push(...page.items);
      next = page.cursor;
    } while (next);
    return found;
  };

  const lines = options.lines ?? 20;
  let polledAt = Date.now();
  // Following: what is already in the window a poll reads again is old news, shown or not.
  const seen = new Map<string, number>();
  if (options.follow) {
    const since = new Date(polledAt - lookBackMs).toISOString();
    for (const event of await readAll(filters.from && filters.from > since ? filters.from : since))
      seen.set(event.id, Date.parse(event.at));
  }
  const latest: AuditEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await read({ limit: Math.min(1000, lines + 1), ...(cursor ? { cursor } : {}) });
    latest.push(...page.items.filter(notOwn));
    cursor = page.cursor;
  } while (cursor && latest.length < lines);
  const shown = latest.slice(0, lines).reverse();
  const rows = new AuditRows(ctx.out, ctx.out.json);
  rows.print(shown);
  if (!options.follow) return;

  for (const event of shown) seen.set(event.id, Date.parse(event.at));
  let newest = latestOf(shown, polledAt);
  let stopped = false;
  let wake = () => {};
  let stopping: () => void = () => {};
  const stoppedSignal = new Promise<void>((resolve) => {
    stopping = resolve;
  });
  const stop = () => {
    stopped = true;
    wake();
    stopping();
    // A poll still waiting for its answer must not hold the process.
    setTimeout(() => process.exit(exitCodes.ok), 2_000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.once('error', stop); // the reader went away (`| head`)
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const poll = async () => {
    const startedAt = Date.now();
    const since = new Date(newest - lookBackMs).toISOString();
    const from = filters.from && filters.from > since ? filters.from : since;
    const found = await readAll(from);
    const fresh = found.filter((event) => !seen.has(event.id) && notOwn(event)).sort(byTime);
    for (const event of found) seen.set(event.id, Date.parse(event.at));
    newest = latestOf(found, Math.max(newest, polledAt));
    polledAt = startedAt;
    for (const [id, at] of seen) if (at < newest - 2 * lookBackMs) seen.delete(id);
    for (const [id, at] of ownReads) if (at < Date.now() - 5 * lookBackMs) ownReads.delete(id);
    if (!stopped) rows.print(fresh);
    return fresh.length;
  };

  const interval = options.interval ?? 2_000;
  const quietCap = Math.max(interval, Math.min(interval * 8, maxQuietDelayMs));
  let delay = interval;
  while (!stopped) {
    await sleep(delay);
    if (stopped) break;
    try {
      const count = await Promise.race([poll(), stoppedSignal.then(() => 0)]);
      delay = count > 0 ? interval : Math.min(Math.round(delay * 1.5), quietCap);
    } catch (error) {
      if (!(error instanceof CliError) || error.exitCode !== exitCodes.unavailable) throw error;
      delay = Math.min(Math.max(delay, interval) * 2, maxRetryDelayMs);
      ctx.out.warn(`${error.message}; trying again in ${Math.round(delay / 1000)}s`);
    }
  }
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
}

/** The time of the latest event, or `floor` when that is later (no spread: a window may hold many events). */
function latestOf(events: AuditEvent[], floor: number): number {
  return events.reduce((latest, event) => Math.max(latest, Date.parse(event.at)), floor);
}
