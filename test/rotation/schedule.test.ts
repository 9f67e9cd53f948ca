/** Rotation schedules in EventBridge's rate and cron syntax: what is accepted, and when each is next due. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { parseSchedule } from '../../shared/rotation/schedule.ts';

const next = (expression: string, after: string) =>
  parseSchedule(expression).next(new Date(after)).toISOString();

describe('rate schedules', () => {
  it('are due one interval after the given time', () => {
    expect(next('rate(30 days)', '2026-03-01T10:15:00Z')).toBe('2026-03-31T10:15:00.000Z');
    expect(next('rate(1 day)', '2026-03-01T10:15:00Z')).toBe('2026-03-02T10:15:00.000Z');
    expect(next('rate(12 hours)', '2026-03-01T10:15:00Z')).toBe('2026-03-01T22:15:00.000Z');
    expect(next('rate(5 minutes)', '2026-03-01T10:15:30Z')).toBe('2026-03-01T10:20:30.000Z');
  });

  it('refuse what EventBridge refuses: plural for 1, singular for more, zero, other units, spacing', () => {
    for (const expression of [
      'rate(1 days)',
      'rate(2 day)',
      'rate(0 days)',
      'rate(1 week)',
      'rate(1  day)',
      'rate(-1 days)',
      'rate(1.5 hours)',
    ]) {
      expect(() => parseSchedule(expression), expression).toThrow(ValidationError);
    }
  });
});

describe('cron schedules', () => {
  it('are due at the next matching minute, in UTC', () => {
    expect(next('cron(0 4 * * ? *)', '2026-03-01T03:59:00Z')).toBe('2026-03-01T04:00:00.000Z');
    expect(next('cron(0 4 * * ? *)', '2026-03-01T04:00:00Z')).toBe('2026-03-02T04:00:00.000Z');
    expect(next('cron(0/15 * * * ? *)', '2026-03-01T10:16:00Z')).toBe('2026-03-01T10:30:00.000Z');
    expect(next('cron(30 9 1 JAN,JUL ? *)', '2026-03-01T00:00:00Z')).toBe('2026-07-01T09:30:00.000Z');
    expect(next('cron(0 0 ? * MON-FRI *)', '2026-03-06T12:00:00Z')).toBe('2026-03-09T00:00:00.000Z');
    expect(next('cron(0 12 * * ? 2027)', '2026-03-01T00:00:00Z')).toBe('2027-01-01T12:00:00.000Z');
  });

  it('know L, W and #: last day, nearest weekday, last and nth week day of the month', () => {
    expect(next('cron(0 0 L * ? *)', '2026-02-01T00:00:00Z')).toBe('2026-02-28T00:00:00.000Z');
    expect(next('cron(0 0 LW * ? *)', '2026-05-01T00:00:00Z')).toBe('2026-05-29T00:00:00.000Z');
    // 15 March 2026 is a Sunday: the nearest weekday is Monday the 16th.
    expect(next('cron(0 0 15W * ? *)', '2026-03-01T00:00:00Z')).toBe('2026-03-16T00:00:00.000Z');
    // 1 August 2026 is a Saturday: 1W is Monday the 3rd, never July.
    expect(next('cron(0 0 1W * ? *)', '2026-07-31T00:00:00Z')).toBe('2026-08-03T00:00:00.000Z');
    expect(next('cron(0 0 ? * 6L *)', '2026-03-01T00:00:00Z')).toBe('2026-03-27T00:00:00.000Z');
    expect(next('cron(0 0 ? * 3#2 *)', '2026-03-01T00:00:00Z')).toBe('2026-03-10T00:00:00.000Z');
  });

  it('refuse malformed expressions, naming the field', () => {
    const refused: [string, RegExp][] = [
      ['cron(0 4 * * * *)', /exactly one of day-of-month and day-of-week/],
      ['cron(0 4 ? * ? *)', /exactly one of day-of-month and day-of-week/],
      ['cron(0 4 1 * ?)', /six fields/],
      ['cron(60 4 * * ? *)', /minutes: 60 is outside 0-59/],
      ['cron(0 24 * * ? *)', /hours: 24 is outside 0-23/],
      ['cron(0 0 32 * ? *)', /day-of-month: 32/],
      ['cron(0 0 ? FOO * *)', /month/],
      ['cron(0 0 ? * 8 *)', /day-of-week: 8/],
      ['cron(0 0 5-2 * ? *)', /ends before it starts/],
      ['cron(0 0 30 2 ? *)', /no time left to fire/],
      ['cron(0 0 1 1 ? 2200)', /year: 2200/],
    ];
    for (const [expression, why] of refused) {
      expect(() => parseSchedule(expression), expression).toThrow(why);
    }
  });
});
