/**
 * The cost report as CSV (RFC 4180): one row per secret, then one row per connection for the calls
 * that are the connection's own (name and ref empty). Calls are given as a total and by operation
 * (`get=12 put=1`). A cell a spreadsheet would run as a formula is prefixed with `'`.
 */
import type { CostReport } from './cost-report.ts';

const header = [
  'month',
  'connection',
  'name',
  'ref',
  'secretHours',
  'storageCost',
  'calls',
  'callsByOperation',
  'callCost',
  'cacheHits',
  'savedCost',
  'total',
];

export function costReportCsv(report: CostReport): string {
  const rows: (string | number)[][] = [header];
  for (const line of report.secrets) {
    rows.push([
      report.month,
      line.connection,
      line.name ?? '',
      line.ref,
      line.secretHours,
      line.storageCost,
      callTotal(line.calls),
      byOperation(line.calls),
      line.callCost,
      line.cacheHits,
      line.savedCost,
      line.total,
    ]);
  }
  for (const connection of report.connections) {
    if (Object.keys(connection.connectionCalls).length === 0) continue;
    rows.push([
      report.month,
      connection.connection,
      '',
      '',
      0,
      '0.00',
      callTotal(connection.connectionCalls),
      byOperation(connection.connectionCalls),
      connection.connectionCallCost,
      0,
      '0.00',
      connection.connectionCallCost,
    ]);
  }
  return `${rows.map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}

function callTotal(calls: Record<string, number>): number {
  return Object.values(calls).reduce((total, count) => total + count, 0);
}

function byOperation(calls: Record<string, number>): string {
  return Object.entries(calls)
    .map(([operation, count]) => `${operation}=${count}`)
    .join(' ');
}

function cell(value: string | number): string {
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
