/**
 * Exact money: a non-negative rational number of dollars as BigInt numerator and denominator, so
 * millions of per-call fractions add up without float drift. Prices are written as decimal strings
 * ("0.40", "0.05"); a figure becomes decimal only when shown, rounded half up.
 */
import { ValidationError } from '../errors.ts';

export interface Money {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

function money(numerator: bigint, denominator: bigint): Money {
  if (denominator <= 0n) throw new ValidationError('a money denominator must be positive');
  const divisor = gcd(numerator < 0n ? -numerator : numerator, denominator) || 1n;
  return { numerator: numerator / divisor, denominator: denominator / divisor };
}

export const zero: Money = { numerator: 0n, denominator: 1n };

/** "0.40" → 40/100. Only plain decimals: no exponents, no signs. */
export function dollars(decimal: string): Money {
  const match = /^(\d{1,12})(?:\.(\d{1,12}))?$/.exec(decimal);
  if (!match) throw new ValidationError(`not a price: ${decimal}`);
  const fraction = match[2] ?? '';
  return money(BigInt(match[1]! + fraction), 10n ** BigInt(fraction.length));
}

export function add(a: Money, b: Money): Money {
  return money(a.numerator * b.denominator + b.numerator * a.denominator, a.denominator * b.denominator);
}

/** `a × n / d` for whole numbers n and d (hours, calls, units). */
export function scale(a: Money, times: bigint | number, per: bigint | number = 1n): Money {
  return money(a.numerator * BigInt(times), a.denominator * BigInt(per));
}

export function sum(values: Iterable<Money>): Money {
  let total = zero;
  for (const value of values) total = add(total, value);
  return total;
}

/** Decimal text with `digits` places, rounded half up: toDecimal(1/3, 2) → "0.33". */
export function toDecimal(value: Money, digits = 2): string {
  const unit = 10n ** BigInt(digits);
  const scaled = (value.numerator * unit * 2n + value.denominator) / (value.denominator * 2n);
  const whole = scaled / unit;
  const fraction = (scaled % unit).toString().padStart(digits, '0');
  return digits === 0 ? whole.toString() : `${whole}.${fraction}`;
}
