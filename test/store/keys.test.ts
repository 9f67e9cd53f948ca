import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import {
  apiKeyKey,
  apiKeyPointerKey,
  auditKey,
  idempotencyKey,
  operatorKeyKey,
  secretKey,
  versionKey,
} from '../../shared/store/keys.ts';

describe('key layout', () => {
  it('spells every item kind’s key as documented', () => {
    // Act
    const keys = [
      secretKey('acme', 'prod-db'),
      versionKey('acme', 'prod-db', 42),
      idempotencyKey('acme', 'idem-1'),
      auditKey('acme', '2025-03-01T10:00:00.000Z', 'req-1', 'ab12'),
      apiKeyPointerKey('k1'),
      apiKeyKey('acme', 'k1'),
      operatorKeyKey(),
    ];

    // Assess
    expect(keys).toEqual([
      { pk: 'T#acme', sk: 'S#prod-db' },
      { pk: 'T#acme#S#prod-db', sk: 'V#0000000042' },
      { pk: 'T#acme', sk: 'I#idem-1' },
      { pk: 'T#acme#A', sk: '2025-03-01T10:00:00.000Z#req-1#ab12' },
      { pk: 'K#k1', sk: 'K' },
      { pk: 'T#acme', sk: 'K#k1' },
      { pk: 'OPERATOR', sk: 'OPERATOR' },
    ]);
  });

  it('sorts version keys in number order', () => {
    // Act
    const sorted = [10, 9, 100, 1].map((v) => versionKey('acme', 'db', v).sk).sort();

    // Assess
    expect(sorted).toEqual(['V#0000000001', 'V#0000000009', 'V#0000000010', 'V#0000000100']);
  });

  it('refuses a tenant id with # or empty, and a version outside 1 to 9999999999', () => {
    // Assess
    expect(() => secretKey('a#S#b', 'x')).toThrow(ValidationError);
    expect(() => secretKey('', 'x')).toThrow(ValidationError);
    expect(() => versionKey('acme', 'db', 0)).toThrow(ValidationError);
    expect(() => versionKey('acme', 'db', 10_000_000_000)).toThrow(ValidationError);
  });
});
