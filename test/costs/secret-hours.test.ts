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

  it('charges an hour once when a secret is deleted and restored within it, on every replica too', () => {
    // Created 10:00, deleted 10:20, restored 10:40, deleted 12:00: the hours 10:00 and 11:00, on the
    // primary and on each of two replicas.
    const intervals = [
      { from: at('2026-05-02T10:00:00Z'), to: at('2026-05-02T10:20:00Z'), replicas: 2 },
      { from: at('2026-05-02T10:40:00Z'), to: at('2026-05-02T12:00:00Z'), replicas: 2 },
    ];

    expect(secretHours(intervals, '2026-05', later)).toBe(2 * 3);
  });

  it('charges an hour once however many times the secret comes and goes within it', () => {
    const flapping = [10, 20, 30, 40, 50].map((minute) => ({
      from: at(`2026-05-02T10:${minute}:00Z`),
      to: at(`2026-05-02T10:${minute + 5}:00Z`),
    }));

    expect(secretHours(flapping, '2026-05', later)).toBe(1);
  });

  it('charges an hour that runs over the end of a month to the month it started in', () => {
    const intervals = [{ from: at('2026-01-31T23:30:00Z'), to: at('2026-02-01T00:10:00Z') }];

    expect(secretHours(intervals, '2026-01', later)).toBe(1);
    expect(secretHours(intervals, '2026-02', later)).toBe(0);
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
