/**
 * The cost report of one tenant's month, computed from what the cost records hold: each secret's life
 * (its secret-hours), the usage counters (vault calls by operation, cache hits) and the price table of
 * each connection's vault kind. Exact arithmetic throughout (money.ts); figures are rounded to the cent
 * only when shown, so a total is the rounded exact sum, not a sum of rounded lines.
 *
 * - storage: secretMonth × secret-hours ÷ hours in the month (a replica counts as a secret);
 * - calls: callBlock × calls ÷ callsPerBlock; a cache hit saved one read, priced the same way;
 * - projection (the current month only): secrets active now are charged to the month's end, calls go on
 *   at the rate they ran so far.
 * Usage that is not one secret's (a batch read, a connection test, a discover) is the connection's own.
 */
import { ValidationError } from '../errors.ts';
import type { VaultKind } from '../providers/provider.ts';
import { add, type Money, scale, sum, toDecimal, zero } from './money.ts';
import { callCost, type PriceTable, storageCost } from './prices.ts';
import { type ActiveInterval, monthBounds, secretHours } from './secret-hours.ts';

export interface LifeInput {
  name: string;
  connection: string;
  vaultRef: string;
  intervals: ActiveInterval[];
}

export interface UsageInput {
  connection: string;
  ref?: string;
  calls: Record<string, number>;
  hits: number;
}

export interface SecretCost {
  /** The secretm secret; null for a vault secret read by reference that secretm does not manage. */
  name: string | null;
  connection: string;
  ref: string;
  secretHours: number;
  storageCost: string;
  calls: Record<string, number>;
  callCost: string;
  cacheHits: number;
  savedCost: string;
  total: string;
}

export interface ConnectionCost {
  connection: string;
  kind: VaultKind | null;
  secrets: number;
  secretHours: number;
  storageCost: string;
  /** Every call on this connection, the secrets' and its own. */
  calls: Record<string, number>;
  /** Calls on the connection as a whole (batch reads, tests, discovery), in `calls` too. */
  connectionCalls: Record<string, number>;
  /** What `connectionCalls` cost, in `callCost` too. */
  connectionCallCost: string;
  callCost: string;
  cacheHits: number;
  savedCost: string;
  total: string;
  projected?: string;
}

export interface CostReport {
  month: string;
  currency: 'USD';
  /** False while the month is still running. */
  complete: boolean;
  generatedAt: string;
  total: string;
  projected?: string;
  savedCost: string;
  connections: ConnectionCost[];
  secrets: SecretCost[];
}

export interface ReportInput {
  month: string;
  now: Date;
  lives: readonly LifeInput[];
  usage: readonly UsageInput[];
  /** The vault kind of a connection, undefined when unknown (priced at zero). */
  kindOf: (connection: string) => VaultKind | undefined;
  prices: Readonly<Record<VaultKind, PriceTable>>;
}

const monthPattern = /^(\d{4})-(0[1-9]|1[0-2])$/;
const free: PriceTable = { secretMonth: zero, callBlock: zero, callsPerBlock: 1 };

export function checkMonth(month: string, now: Date): string {
  if (!monthPattern.test(month)) throw new ValidationError('month must be YYYY-MM');
  if (monthBounds(month).start.getTime() > now.getTime()) {
    throw new ValidationError(`month ${month} has not started yet`);
  }
  return month;
}

interface Line {
  name: string | null;
  connection: string;
  ref: string | undefined;
  intervals: ActiveInterval[];
  calls: Record<string, number>;
  hits: number;
}

const lineKey = (connection: string, ref: string | undefined) => `${connection}\u0000${ref ?? ''}`;

export function buildCostReport(input: ReportInput): CostReport {
  const { month, now } = input;
  const { start, end, hours } = monthBounds(month);
  const complete = now.getTime() >= end.getTime();
  const lines = new Map<string, Line>();
  const lineOf = (connection: string, ref: string | undefined, name: string | null): Line => {
    const key = lineKey(connection, ref);
    let line = lines.get(key);
    if (line === undefined) {
      line = { name, connection, ref, intervals: [], calls: {}, hits: 0 };
      lines.set(key, line);
    }
    return line;
  };
  for (const life of input.lives) {
    const line = lineOf(life.connection, life.vaultRef, life.name);
    line.name = life.name;
    line.intervals.push(...life.intervals);
  }
  for (const usage of input.usage) {
    const line = lineOf(usage.connection, usage.ref, null);
    for (const [operation, count] of Object.entries(usage.calls)) {
      line.calls[operation] = (line.calls[operation] ?? 0) + count;
    }
    line.hits += usage.hits;
  }

  const priceOf = (connection: string) => {
    const kind = input.kindOf(connection);
    return { kind, prices: kind === undefined ? free : input.prices[kind] };
  };
  const elapsedMs = Math.max(1, Math.min(now.getTime(), end.getTime()) - start.getTime());
  const monthMs = end.getTime() - start.getTime();

  interface Totals {
    kind: VaultKind | undefined;
    secrets: number;
    secretHours: number;
    storage: Money;
    calls: Record<string, number>;
    connectionCalls: Record<string, number>;
    connectionCallCost: Money;
    callCost: Money;
    hits: number;
    saved: Money;
    projected: Money;
  }
  const byConnection = new Map<string, Totals>();
  const secrets: SecretCost[] = [];
  let projectedAll = zero;

  for (const line of lines.values()) {
    const { kind, prices } = priceOf(line.connection);
    const lineHours = secretHours(line.intervals, month, now);
    const callCount = Object.values(line.calls).reduce((total, count) => total + count, 0);
    if (lineHours === 0 && callCount === 0 && line.hits === 0) continue;
    const storage = storageCost(prices, lineHours, hours);
    const calls = callCost(prices, callCount);
    const saved = callCost(prices, line.hits);
    const projected = complete
      ? add(storage, calls)
      : add(
          storageCost(prices, secretHours(line.intervals, month, end), hours),
          scale(
            prices.callBlock,
            BigInt(callCount) * BigInt(monthMs),
            BigInt(prices.callsPerBlock) * BigInt(elapsedMs),
          ),
        );
    projectedAll = add(projectedAll, projected);

    let totals = byConnection.get(line.connection);
    if (totals === undefined) {
      totals = {
        kind,
        secrets: 0,
        secretHours: 0,
        storage: zero,
        calls: {},
        connectionCalls: {},
        connectionCallCost: zero,
        callCost: zero,
        hits: 0,
        saved: zero,
        projected: zero,
      };
      byConnection.set(line.connection, totals);
    }
    totals.secretHours += lineHours;
    totals.storage = add(totals.storage, storage);
    totals.callCost = add(totals.callCost, calls);
    totals.hits += line.hits;
    totals.saved = add(totals.saved, saved);
    totals.projected = add(totals.projected, projected);
    for (const [operation, count] of Object.entries(line.calls)) {
      totals.calls[operation] = (totals.calls[operation] ?? 0) + count;
      if (line.ref === undefined)
        totals.connectionCalls[operation] = (totals.connectionCalls[operation] ?? 0) + count;
    }
    if (line.ref === undefined) {
      totals.connectionCallCost = add(totals.connectionCallCost, calls);
      continue;
    }
    totals.secrets++;
    secrets.push({
      name: line.name,
      connection: line.connection,
      ref: line.ref,
      secretHours: lineHours,
      storageCost: toDecimal(storage),
      calls: sortedCounts(line.calls),
      callCost: toDecimal(calls),
      cacheHits: line.hits,
      savedCost: toDecimal(saved),
      total: toDecimal(add(storage, calls)),
    });
  }

  const connections: ConnectionCost[] = [...byConnection.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([connection, totals]) => ({
      connection,
      kind: totals.kind ?? null,
      secrets: totals.secrets,
      secretHours: totals.secretHours,
      storageCost: toDecimal(totals.storage),
      calls: sortedCounts(totals.calls),
      connectionCalls: sortedCounts(totals.connectionCalls),
      connectionCallCost: toDecimal(totals.connectionCallCost),
      callCost: toDecimal(totals.callCost),
      cacheHits: totals.hits,
      savedCost: toDecimal(totals.saved),
      total: toDecimal(add(totals.storage, totals.callCost)),
      ...(complete ? {} : { projected: toDecimal(totals.projected) }),
    }));
  secrets.sort(
    (a, b) =>
      Number(b.total) - Number(a.total) ||
      compare(a.connection, b.connection) ||
      compare(a.name ?? '', b.name ?? '') ||
      compare(a.ref, b.ref),
  );
  const all = [...byConnection.values()];
  return {
    month,
    currency: 'USD',
    complete,
    generatedAt: now.toISOString(),
    total: toDecimal(sum(all.flatMap((totals) => [totals.storage, totals.callCost]))),
    ...(complete ? {} : { projected: toDecimal(projectedAll) }),
    savedCost: toDecimal(sum(all.map((totals) => totals.saved))),
    connections,
    secrets,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedCounts(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => compare(a, b)));
}
