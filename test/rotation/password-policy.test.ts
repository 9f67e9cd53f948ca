/** Random values under a password policy: length, classes, exclusions, and policies that cannot be met. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { defaultPasswordPolicy, generatePassword } from '../../shared/rotation/password-policy.ts';

describe('generatePassword', () => {
  it('draws the asked length from the classes that are on, with one of each, never an excluded character', () => {
    const policy = { ...defaultPasswordPolicy, length: 12, exclude: 'aeiouAEIOU01!"' };

    const values = Array.from({ length: 300 }, () => generatePassword(policy));

    for (const value of values) {
      expect(value).toHaveLength(12);
      expect(value).toMatch(/[a-z]/);
      expect(value).toMatch(/[A-Z]/);
      expect(value).toMatch(/[0-9]/);
      expect(value).toMatch(/[^A-Za-z0-9]/);
      expect(value).not.toMatch(/[aeiouAEIOU01!"]/);
    }
    expect(new Set(values).size).toBe(values.length);
  });

  it('uses digits only when only digits are on', () => {
    const value = generatePassword({
      ...defaultPasswordPolicy,
      lowercase: false,
      uppercase: false,
      symbols: false,
      length: 64,
    });

    expect(value).toMatch(/^[0-9]{64}$/);
  });

  it('refuses a policy with no class, a class emptied by exclusions, or too short for one of each class', () => {
    expect(() =>
      generatePassword({
        ...defaultPasswordPolicy,
        lowercase: false,
        uppercase: false,
        digits: false,
        symbols: false,
      }),
    ).toThrow(ValidationError);
    expect(() => generatePassword({ ...defaultPasswordPolicy, exclude: '0123456789' })).toThrow(
      /excludes every character of digits/,
    );
    expect(() => generatePassword({ ...defaultPasswordPolicy, length: 3 })).toThrow(
      /cannot hold one of each/,
    );
  });
});
