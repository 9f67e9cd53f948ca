import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { checkLimit, decodeCursor, encodeCursor } from '../../shared/store/paging.ts';

describe('page cursors', () => {
  it('round-trips any name, Unicode included', () => {
    // Prepare
    const names = ['prod-db', 'ü/ñ.名前', 'a'];

    // Act
    const decoded = names.map((name) => decodeCursor(encodeCursor(name)));

    // Assess
    expect(decoded).toEqual(names);
  });

  it('refuses text the store could not have made', () => {
    // Prepare
    const bad = ['', 'a+b/', 'YQ==', 'YR', Buffer.from([0xff, 0xfe]).toString('base64url')];

    // Act
    const errors = bad.map((cursor) => {
      try {
        decodeCursor(cursor);
        return undefined;
      } catch (error) {
        return error;
      }
    });

    // Assess
    expect(errors.every((error) => error instanceof ValidationError)).toBe(true);
  });
});

describe('page limits', () => {
  it('accepts 1 to 1000 and refuses anything else', () => {
    // Act
    const accepted = [1, 1000].map(checkLimit);

    // Assess
    expect(accepted).toEqual([1, 1000]);
    for (const limit of [0, -1, 1.5, 1001, Number.NaN]) {
      expect(() => checkLimit(limit)).toThrow(ValidationError);
    }
  });
});
