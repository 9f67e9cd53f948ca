/**
 * What `secretm audit ls` and `audit tail` share: the filters of `GET /v1/audit` as options, and an
 * event as a row — aligned under a header on a terminal (fixed widths, so rows that arrive later with
 * `--follow` line up), tab-separated on a pipe, one JSON object a line with `--json` lines.
 */
import type { Answer } from '../api/client.ts';
import type { Output } from './output.ts';

export type AuditEvent = Answer<'listAuditEvents'>['items'][number];

export interface AuditFilterOptions {
  from?: string;
  to?: string;
  /** Milliseconds back from now: `--since 1h`; --from wins when both are given. */
  since?: number;
  actor?: string;
  action?: string;
  secret?: string;
  outcome?: 'success' | 'failure';
  requestId?: string;
}

/** The query the filter options make (no key for a filter not given). */
export function auditFilters(options: AuditFilterOptions, now = Date.now()) {
  const from = options.from ?? (options.since ? new Date(now - options.since).toISOString() : undefined);
  return {
    ...(from ? { from } : {}),
    ...(options.to ? { to: options.to } : {}),
    ...(options.actor ? { actor: options.actor } : {}),
    ...(options.action ? { action: options.action } : {}),
    ...(options.secret ? { secret: options.secret } : {}),
    ...(options.outcome ? { outcome: options.outcome } : {}),
    ...(options.requestId ? { requestId: options.requestId } : {}),
  };
}

const header = ['AT', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME', 'REQUEST', 'SOURCE'];
const widths = [19, 28, 20, 32, 20, 36];

function cells(out: Output, event: AuditEvent): string[] {
  const outcome =
    event.outcome === 'success' ? 'success' : `failure${event.reason ? `:${event.reason}` : ''}`;
  return [
    out.tty ? event.at.replace('T', ' ').slice(0, 19) : event.at,
    event.actor,
    event.action,
    event.target,
    outcome,
    event.requestId,
    event.sourceIp,
  ];
}

/** Prints events as they come; the terminal's header once, before the first row. */
export class AuditRows {
  private headerShown = false;
  private readonly out: Output;
  private readonly jsonLines: boolean;

  constructor(out: Output, jsonLines: boolean) {
    this.out = out;
    this.jsonLines = jsonLines;
  }

  print(events: AuditEvent[]): void {
    for (const event of events) {
      if (this.jsonLines) {
        this.out.line(JSON.stringify(event));
        continue;
      }
      const row = cells(this.out, event);
      if (!this.out.tty) {
        this.out.line(row.map((cell) => cell.replace(/[\t\n\r]/g, ' ')).join('\t'));
        continue;
      }
      if (!this.headerShown) {
        this.out.line(this.out.style('bold', toColumns(header).join('  ')));
        this.headerShown = true;
      }
      const fitted = toColumns(row);
      fitted[4] = this.out.style(event.outcome === 'success' ? 'green' : 'red', fitted[4]!);
      this.out.line(fitted.join('  ').trimEnd());
    }
  }
}

/** Each cell padded to its column, or cut with … when longer; the last column as it is. */
function toColumns(row: string[]): string[] {
  return row.map((cell, i) => {
    const width = widths[i];
    if (width === undefined) return cell;
    return cell.length > width ? `${cell.slice(0, width - 1)}…` : cell.padEnd(width);
  });
}

/** Oldest first; events of the same millisecond by id (ids are ordered by time). */
export function byTime(a: AuditEvent, b: AuditEvent): number {
  return a.at.localeCompare(b.at) || a.id.localeCompare(b.id);
}
