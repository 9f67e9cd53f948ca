import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AccessAction,
  type AccessRule,
  type AccessTarget,
  accessRulesSchema,
  compileRules,
  decide,
  isSubset,
} from '../../shared/access/rules.ts';

const rules = (list: AccessRule[]) => compileRules(list);

describe('deciding with rules', () => {
  const team: AccessRule[] = [
    { actions: ['read', 'reveal', 'write'], secrets: ['payments/**'], effect: 'allow' },
    { actions: ['reveal'], secrets: ['payments/prod/root-*'], effect: 'deny' },
    { actions: ['admin'], connections: ['vault-*'], effect: 'allow' },
  ];

  it('allows what an allow rule matches, names the rule, and lets a deny win', () => {
    const compiled = rules(team);
    expect(decide(compiled, 'reveal', { secret: 'payments/prod/db', connection: 'aws' })).toEqual({
      allowed: true,
      rule: 0,
      effect: 'allow',
    });
    expect(decide(compiled, 'reveal', { secret: 'payments/prod/root-db', connection: 'aws' })).toEqual({
      allowed: false,
      rule: 1,
      effect: 'deny',
    });
    expect(decide(compiled, 'read', { secret: 'payroll/db', connection: 'aws' })).toEqual({ allowed: false });
    expect(decide(compiled, 'delete', { secret: 'payments/prod/db', connection: 'aws' }).allowed).toBe(false);
  });

  it('matches connections by their ids, and secrets on them when a rule names only connections', () => {
    const compiled = rules(team);
    expect(decide(compiled, 'admin', { connection: 'vault-eu' }).allowed).toBe(true);
    expect(decide(compiled, 'admin', { connection: 'aws' }).allowed).toBe(false);
    expect(decide(compiled, 'admin', { secret: 'anything', connection: 'vault-eu' }).allowed).toBe(true);
    // A rule about secrets says nothing about connections themselves.
    expect(decide(compiled, 'read', { connection: 'vault-eu' }).allowed).toBe(false);
  });

  it('gives the whole tenant only to rules over every secret and connection, and to no one a deny touches', () => {
    const breakGlass = rules([{ actions: ['admin'], secrets: ['**'], connections: ['**'], effect: 'allow' }]);
    expect(decide(breakGlass, 'admin', { tenant: true }).allowed).toBe(true);
    expect(decide(rules(team), 'admin', { tenant: true }).allowed).toBe(false);
    const fenced = rules([
      { actions: ['admin'], secrets: ['**'], effect: 'allow' },
      { actions: ['admin'], secrets: ['prod/**'], effect: 'deny' },
    ]);
    expect(decide(fenced, 'admin', { tenant: true }).allowed).toBe(false);
  });

  it('refuses malformed rules, naming what is wrong', () => {
    const refused = (value: unknown) => {
      const result = accessRulesSchema.safeParse(value);
      return result.success
        ? undefined
        : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    };
    expect(refused([{ actions: ['fly'], secrets: ['**'] }])?.[0]).toMatch(/^0\.actions\.0/);
    expect(refused([{ actions: ['read'] }])?.[0]).toContain('names secrets, connections, or both');
    expect(refused([{ actions: ['read'], secrets: ['.never'] }])?.[0]).toContain('can never match');
    expect(refused([{ actions: ['read'], secrets: ['**'], effect: 'maybe' }])?.[0]).toMatch(/^0\.effect/);
    expect(refused([{ actions: ['read'], secrets: ['**'], extra: 1 }])?.[0]).toContain('extra');
    expect(refused([])).toBeDefined();
  });
});

describe('a key makes only keys within its own rules', () => {
  it('takes a narrower key and refuses a wider one, naming the rule', () => {
    const parent: AccessRule[] = [
      { actions: ['read', 'reveal'], secrets: ['ci/**'], effect: 'allow' },
      { actions: ['reveal'], secrets: ['ci/prod/*'], effect: 'deny' },
    ];
    expect(isSubset([{ actions: ['read'], secrets: ['ci/dev/*'], effect: 'allow' }], parent)).toEqual({
      ok: true,
    });
    expect(isSubset([{ actions: ['write'], secrets: ['ci/dev/*'], effect: 'allow' }], parent)).toMatchObject({
      ok: false,
      rule: 0,
    });
    expect(isSubset([{ actions: ['reveal'], secrets: ['ci/**'], effect: 'allow' }], parent)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("creator's rule 1 denies"),
    });
    expect(isSubset(undefined, parent)).toMatchObject({ ok: false });
    expect(isSubset(parent, undefined)).toEqual({ ok: true });
  });

  const actions: AccessAction[] = ['read', 'reveal', 'admin'];
  const segment = fc.constantFrom('a', 'b', 'ab', 'a*', '*b', '*');
  const secretPattern = fc
    .tuple(fc.array(segment, { maxLength: 3 }), fc.boolean())
    .filter(([segments, deep]) => segments.length > 0 || deep)
    .map(([segments, deep]) => [...segments, ...(deep ? ['**'] : [])].join('/'));
  const connectionPattern = fc.constantFrom('aws', 'vault-*', 'v*', '**', 'vault-a');
  const rule: fc.Arbitrary<AccessRule> = fc
    .record({
      actions: fc.subarray(actions, { minLength: 1 }),
      secrets: fc.option(fc.array(secretPattern, { minLength: 1, maxLength: 2 }), { nil: undefined }),
      connections: fc.option(fc.array(connectionPattern, { minLength: 1, maxLength: 2 }), { nil: undefined }),
      effect: fc.constantFrom<'allow' | 'deny'>('allow', 'allow', 'deny'),
    })
    .filter((each) => each.secrets !== undefined || each.connections !== undefined)
    .map((each) => {
      const { secrets, connections, ...rest } = each;
      return { ...rest, ...(secrets ? { secrets } : {}), ...(connections ? { connections } : {}) };
    });
  const name = fc
    .array(fc.constantFrom('a', 'b', 'ab', 'ba', 'aab', 'bb'), { minLength: 1, maxLength: 4 })
    .map((parts) => parts.join('/'));
  const connection = fc.constantFrom('aws', 'vault-a', 'vault-b', 'vb', 'local');
  const target: fc.Arbitrary<AccessTarget> = fc.oneof(
    fc.record({ secret: name, connection }),
    fc.record({ connection }),
    fc.constant({ tenant: true as const }),
  );

  it('never lets a key it accepts do what its creator may not (property, over generated patterns)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 1, maxLength: 3 }),
        fc.array(rule, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.constantFrom(...actions), target), { minLength: 30, maxLength: 60 }),
        (parent, child, requests) => {
          if (!isSubset(child, parent).ok) return true;
          accepted++;
          const mine = compileRules(child);
          const theirs = compileRules(parent);
          return requests.every(
            ([action, each]) => !decide(mine, action, each).allowed || decide(theirs, action, each).allowed,
          );
        },
      ),
      { numRuns: 5000 },
    );
    // The property is about something: a good share of generated children were accepted.
    expect(accepted).toBeGreaterThan(250);
  });
});
