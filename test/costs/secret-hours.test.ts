/** Scripted months, computed with the public formula: $0.40 × secret-hours ÷ hours in the month, + $0.05 per 10,000 calls. */
import { describe, expect, it } from 'vitest';
import { toDecimal } from '../../shared/costs/money.ts';
import { callCost, defaultPrices, storageCost } from '../../shared/costs/prices.ts';
import { monthBounds, secretHours } from '../../shared/costs/secret-hours.ts';

const aws = defaultPrices['aws-secrets-manager'];
const at = (iso: string) => new Date(iso);
const later = at('2027-01-01T00:00:00Z');

function storage(month: string, hours: number): string {
  return toDecimal(storageCost(aws, hours, monthBounds(month).hours));
}

describe('secret-hours and their cost', () => {
  it('charges a secret created mid-month for the hours it existed: 336 of 672 → $0.20', () => {
    const hours = secretHours([{ from: at('2026-02-15T00:00:00Z') }], '2026-02', later);

    expect(hours).toBe(336);
    expect(storage('2026-02', hours)).toBe('0.20');
  });

  it('does not charge the days a secret waited deleted before it was restored: 624 of 744 → $0.34', () => {
    const intervals = [
      { from: at('2026-01-20T00:00:00Z'), to: at('2026-03-11T00:00:00Z') },
      { from: at('2026-03-16T00:00:00Z') },
    ];

    const hours = secretHours(intervals, '2026-03', later);

    expect(hours).toBe(240 + 384);
    expect(storage('2026-03', hours)).toBe('0.34'); // 0.40 × 624 / 744 = 0.33548…
  });

  it('charges a replica as a secret of its own: a full April with one replica → $0.80', () => {
    const hours = secretHours([{ from: at('2026-03-01T00:00:00Z'), replicas: 1 }], '2026-04', later);

    expect(hours).toBe(1440);
    expect(storage('2026-04', hours)).toBe('0.80');
  });

  it('counts every hour started, and only up to now in the current month', () => {
    const brief = secretHours(
      [{ from: at('2026-05-02T10:30:00Z'), to: at('2026-05-02T12:10:00Z') }],
      '2026-05',
      later,
    );
    const soFar = secretHours([{ from: at('2026-05-01T00:00:00Z') }], '2026-05', at('2026-05-03T06:00:00Z'));

    expect(brief).toBe(2);
    expect(soFar).toBe(54);
  });

  it('charges 1,234,567 calls $6.17 (0.05 × 1,234,567 / 10,000 = 6.1728…)', () => {
    expect(toDecimal(callCost(aws, 1_234_567))).toBe('6.17');
    expect(toDecimal(callCost(aws, 1_234_567), 7)).toBe('6.1728350');
  });

  it('knows the hours of each month, leap years included', () => {
    expect(monthBounds('2028-02').hours).toBe(696);
    expect(monthBounds('2026-02').hours).toBe(672);
    expect(monthBounds('2026-12').hours).toBe(744);
  });
});
