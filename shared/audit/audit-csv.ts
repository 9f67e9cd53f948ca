/**
 * Audit events as CSV (RFC 4180) and as JSON Lines, for export. A CSV cell a spreadsheet would run as
 * a formula (it starts with = + - @, a tab or a carriage return) is prefixed with `'`, as the cost
 * report's is (shared/costs/cost-csv.ts): an actor, a target or a user agent is caller-chosen text.
 */
import type { AuditRecord } from './audit-types.ts';

export const auditColumns = [
  'at',
  'tenant',
  'actor',
  'action',
  'target',
  'outcome',
  'reason',
  'requestId',
  'sourceIp',
  'userAgent',
  'id',
  'hmac',
] as const satisfies readonly (keyof AuditRecord)[];

export function auditCsv(events: readonly AuditRecord[]): string {
  const rows = [
    [...auditColumns],
    ...events.map((event) => auditColumns.map((column) => String(event[column] ?? ''))),
  ];
  return `${rows.map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}

export function auditJsonLines(events: readonly AuditRecord[]): string {
  return events.map((event) => `${JSON.stringify(auditView(event))}\n`).join('');
}

/** What the API shows of an event: its fields, id and HMAC (not its expiry). */
export function auditView(event: AuditRecord) {
  const { expiresAt: _expiresAt, ...view } = event;
  return view;
}

function cell(value: string): string {
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
