/**
 * Random values under a password policy, from the operating system's CSPRNG (`node:crypto` randomInt,
 * which draws without modulo bias): a length, the character classes to draw from, characters to
 * leave out, and whether every class must appear at least once.
 */
import { randomInt } from 'node:crypto';
import { ValidationError } from '../errors.ts';

export interface PasswordPolicy {
  /** 8-4096 characters. Default 32. */
  length: number;
  lowercase: boolean;
  uppercase: boolean;
  digits: boolean;
  /** ASCII punctuation: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ */
  symbols: boolean;
  /** Characters never used (e.g. quotes a connection string cannot hold). */
  exclude: string;
  /** Each class that is on appears at least once. Default true. */
  requireEachClass: boolean;
}

export const defaultPasswordPolicy: PasswordPolicy = {
  length: 32,
  lowercase: true,
  uppercase: true,
  digits: true,
  symbols: true,
  exclude: '',
  requireEachClass: true,
};

const classes = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digits: '0123456789',
  symbols: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
} as const;

/** The alphabets a policy draws from, one per class that is on, without the excluded characters. */
function alphabets(policy: PasswordPolicy): string[] {
  const excluded = new Set(policy.exclude);
  const chosen = (Object.keys(classes) as (keyof typeof classes)[])
    .filter((name) => policy[name])
    .map((name) => ({
      name,
      characters: [...classes[name]].filter((character) => !excluded.has(character)).join(''),
    }));
  if (chosen.length === 0) {
    throw new ValidationError('the password policy turns every character class off', {
      details: [{ path: 'body.options.policy', message: 'turn on at least one class' }],
    });
  }
  const emptied = chosen.filter((entry) => entry.characters.length === 0);
  if (emptied.length > 0) {
    throw new ValidationError(
      `the password policy excludes every character of ${emptied.map((e) => e.name).join(', ')}`,
      {
        details: [{ path: 'body.options.policy.exclude', message: 'leaves a class with no character' }],
      },
    );
  }
  return chosen.map((entry) => entry.characters);
}

/** Checks that a policy can produce a value: ValidationError otherwise. */
export function checkPasswordPolicy(policy: PasswordPolicy): void {
  const sets = alphabets(policy);
  if (policy.requireEachClass && sets.length > policy.length) {
    throw new ValidationError(
      `a password of ${policy.length} characters cannot hold one of each of ${sets.length} classes`,
      {
        details: [{ path: 'body.options.policy.length', message: 'too short for requireEachClass' }],
      },
    );
  }
}

export function generatePassword(policy: PasswordPolicy): string {
  checkPasswordPolicy(policy);
  const sets = alphabets(policy);
  const all = sets.join('');
  const characters: string[] = policy.requireEachClass ? sets.map((set) => set[randomInt(set.length)]!) : [];
  while (characters.length < policy.length) characters.push(all[randomInt(all.length)]!);
  // Fisher-Yates, so the characters guaranteed per class sit anywhere.
  for (let i = characters.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [characters[i], characters[j]] = [characters[j]!, characters[i]!];
  }
  return characters.join('');
}
