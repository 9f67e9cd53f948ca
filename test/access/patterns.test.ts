import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { includes, intersects, matches, type Pattern, parsePattern } from '../../shared/access/patterns.ts';

const secret = (text: string) => {
  const parsed = parsePattern(text, 'secret');
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
};

describe('secret patterns', () => {
  it.each([
    ['prod-*', 'prod-db', true],
    ['prod-*', 'prod-', true],
    ['prod-*', 'prod/db', false],
    ['payments/**', 'payments/prod/db', true],
    ['payments/**', 'payments/db', true],
    ['payments/**', 'payments', false],
    ['payments/**', 'payroll/db', false],
    ['**', 'anything/at/all', true],
    ['*/prod/*', 'web/prod/db', true],
    ['*/prod/*', 'web/prod/db/x', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXc', false],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(matches(secret(pattern), name)).toBe(expected);
  });

  it.each([
    ['', 'is 1–256 characters'],
    ['/payments', 'no empty segment'],
    ['payments//db', 'no empty segment'],
    ['a/**/b', '** stands alone'],
    ['a**', '** stands alone'],
    ['prod db', 'characters of names'],
    ['.hidden', 'can never match'],
    ['-x/*', 'can never match'],
    [`${'x'.repeat(120)}/${'y'.repeat(10)}`, 'can never match'],
  ])('refuses %j: %s', (pattern, reason) => {
    const parsed = parsePattern(pattern, 'secret');
    expect('error' in parsed && parsed.error).toContain(reason);
  });

  it('refuses connection patterns with a / or a deep wildcard, and takes ** for all', () => {
    expect(parsePattern('vault/*', 'connection')).toHaveProperty('error');
    expect(parsePattern('Vault-*', 'connection')).toHaveProperty('error');
    expect(parsePattern('vault-*', 'connection')).not.toHaveProperty('error');
    expect(parsePattern('**', 'connection')).not.toHaveProperty('error');
  });
});

/** Patterns and names over a small alphabet, so random ones meet often. */
const segmentPattern = fc.constantFrom('a', 'b', 'ab', 'ba', 'a*', '*b', '*', 'a*b', 'b*a*', 'aa');
const patternText = fc
  .tuple(fc.array(segmentPattern, { minLength: 0, maxLength: 3 }), fc.boolean())
  .filter(([segments, deep]) => segments.length > 0 || deep)
  .map(([segments, deep]) => [...segments, ...(deep ? ['**'] : [])].join('/'));
const segment = fc.constantFrom('a', 'b', 'ab', 'ba', 'aab', 'bab', 'abba', 'aa', 'bb');
const name = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('/'));

describe('comparing patterns', () => {
  it('never says a pattern includes another when a name of the inner one escapes the outer', () => {
    fc.assert(
      fc.property(
        patternText,
        patternText,
        fc.array(name, { minLength: 20, maxLength: 40 }),
        (outer, inner, names) => {
          const o = secret(outer);
          const i = secret(inner);
          if (!includes(o, i)) return true;
          return names.every((each) => !matches(i, each) || matches(o, each));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never says two patterns are apart when a name matches both', () => {
    fc.assert(
      fc.property(
        patternText,
        patternText,
        fc.array(name, { minLength: 20, maxLength: 40 }),
        (a, b, names) => {
          const x = secret(a);
          const y = secret(b);
          if (intersects(x, y)) return true;
          return names.every((each) => !(matches(x, each) && matches(y, each)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('finds the inclusions and overlaps people write', () => {
    const pairs: [string, string, boolean, boolean][] = [
      // outer, inner, includes, intersects
      ['payments/**', 'payments/prod/*', true, true],
      ['payments/**', 'payments/**', true, true],
      ['**', 'ci/**', true, true],
      ['ci/**', '**', false, true],
      ['prod-*', 'prod-db', true, true],
      ['prod-db', 'prod-*', false, true],
      ['*/prod/*', 'web/prod/db', true, true],
      ['payments/**', 'payroll/**', false, false],
      ['a/*', 'a/b/c', false, false],
    ];
    for (const [outer, inner, included, meet] of pairs) {
      const o: Pattern = secret(outer);
      const i: Pattern = secret(inner);
      expect(includes(o, i), `${outer} ⊇ ${inner}`).toBe(included);
      expect(intersects(o, i), `${outer} ∩ ${inner}`).toBe(meet);
    }
  });
});
