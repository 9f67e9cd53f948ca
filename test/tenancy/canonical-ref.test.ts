import { describe, expect, it } from 'vitest';
import { canonicalRef } from '../../shared/tenancy/canonical-ref.ts';

describe('canonicalRef', () => {
  it.each([
    ['secretm/prod/acme/db', 'secretm/prod/acme/db'],
    ['secretm%2Fprod%2Facme%2Fdb', 'secretm/prod/acme/db'],
    ['secretm%252Fprod%252Facme%252Fdb', 'secretm/prod/acme/db'],
    ['secretm//prod///acme/db/', 'secretm/prod/acme/db'],
    ['/secretm/prod/acme/./db', 'secretm/prod/acme/db'],
    ['secretm/prod/other/../acme/db', 'secretm/prod/acme/db'],
    ['secretm\\prod\\acme\\db', 'secretm/prod/acme/db'],
    ['SECRETM/Prod/ACME/Db', 'secretm/prod/acme/Db'],
    ['secretm/prod/acme./db..', 'secretm/prod/acme/db'],
    ['legacy/payments/DB', 'legacy/payments/DB'],
  ])('spells %s as %s', (ref, canonical) => {
    expect(canonicalRef(ref)).toBe(canonical);
  });

  it.each([
    ['a ref that climbs above its first segment', 'secretm/../../etc'],
    ['a malformed escape', 'secretm/prod/acme/%zz'],
    ['a segment of dots only', 'secretm/prod/.../db'],
    ['a control character', 'secretm/prod/acme/db\u0000x'],
    ['an encoded control character', 'secretm/prod/acme/db%00'],
    ['nothing but separators', '///'],
    ['an empty ref', ''],
    ['a ref longer than 2048 characters', `secretm/${'a'.repeat(2050)}`],
    ['a ref still encoded after four rounds', `x${'%25'.repeat(1)}252525252F`],
  ])('has no canonical form for %s', (_what, ref) => {
    expect(canonicalRef(ref)).toBeUndefined();
  });
});
