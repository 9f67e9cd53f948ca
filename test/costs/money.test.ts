import { describe, expect, it } from 'vitest';
import { add, dollars, scale, sum, toDecimal, zero } from '../../shared/costs/money.ts';

describe('exact money', () => {
  it('adds a hundred thousand per-call fractions with no drift', () => {
    const perCall = scale(dollars('0.05'), 1, 10_000);
    const total = sum(Array.from({ length: 100_000 }, () => perCall));

    expect(total).toEqual(dollars('0.5'));
  });

  it('rounds half up only when shown', () => {
    expect(toDecimal(dollars('0.335'))).toBe('0.34');
    expect(toDecimal(dollars('0.3349999'))).toBe('0.33');
    expect(toDecimal(scale(dollars('1'), 1, 3), 4)).toBe('0.3333');
    expect(toDecimal(add(zero, dollars('12')), 0)).toBe('12');
  });

  it('refuses anything but a plain decimal price', () => {
    for (const bad of ['-1', '1e3', '0,40', '', '.5']) expect(() => dollars(bad), bad).toThrow(/not a price/);
  });
});
