/** Option values checked as the command line is read, so a mistake is a usage error (exit 1) before any request. */
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(value)) throw new InvalidArgumentError('must be a whole number from 1');
  return Number(value);
}

/** A repeatable option: `--tag a=1 --tag b=2`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `30s`, `5m`, `2h`, `7d`, or plain seconds, as milliseconds. */
export function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value);
  if (!match) throw new InvalidArgumentError('must be a duration such as 30s, 5m, 2h or 7d');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(match[2] ?? 's') as 's'];
  return Number(match[1]) * unit;
}

export function oneOf<T extends string>(values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value))
      throw new InvalidArgumentError(`must be one of ${values.join(', ')}`);
    return value as T;
  };
}
