/**
 * Rotation schedules in Amazon EventBridge's syntax, which AWS Secrets Manager uses too, in UTC:
 *
 * - `rate(<n> <unit>)`: every n minutes, hours or days after the last rotation; the unit is singular
 *   for 1 (`rate(1 day)`) and plural otherwise (`rate(30 days)`), as EventBridge requires.
 * - `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`: six fields; exactly one of
 *   day-of-month and day-of-week is `?`. Fields take `*`, lists `a,b`, ranges `a-b`, steps `a/n`,
 *   `a-b/n`, `* /n` (without the space); months `1-12` or `JAN-DEC`, week days `1-7` (1 = Sunday) or
 *   `SUN-SAT`; day-of-month also `L` (last day), `LW` (last weekday) and `<d>W` (the weekday nearest
 *   day d, within its month); day-of-week also `L` (Saturday), `<d>L` (the month's last such day)
 *   and `<d>#<n>` (its nth such day); years 1970-2199.
 *
 * `parseSchedule` validates once and answers a schedule whose `next(after)` is the first time strictly
 * after `after` (to the minute for cron). Pure: the caller passes the time.
 */
import { ValidationError } from '../errors.ts';

export interface Schedule {
  /** The expression as given. */
  readonly expression: string;
  /** The first time strictly after `after` at which the schedule is due. */
  next(after: Date): Date;
}

const minuteMs = 60_000;
const unitMs = { minute: minuteMs, hour: 60 * minuteMs, day: 24 * 60 * minuteMs } as const;
const maxYear = 2199;
const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function invalid(expression: string, why: string): ValidationError {
  const message = `schedule "${expression.slice(0, 100)}" is not a valid EventBridge rate or cron expression: ${why}`;
  return new ValidationError(message, { details: [{ path: 'body.schedule', message: why }] });
}

export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) return parseRate(expression, rate[1]!);
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return parseCron(expression, cron[1]!);
  throw invalid(expression, 'expected rate(<value> <unit>) or cron(<6 fields>)');
}

function parseRate(expression: string, body: string): Schedule {
  const match = /^([1-9][0-9]{0,5}) (minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!match) throw invalid(expression, 'expected rate(<positive whole number> minute(s)|hour(s)|day(s))');
  const value = Number(match[1]);
  const word = match[2]!;
  const singular = !word.endsWith('s');
  if (value === 1 && !singular)
    throw invalid(expression, `a value of 1 takes the singular unit (${word.slice(0, -1)})`);
  if (value !== 1 && singular) throw invalid(expression, `a value above 1 takes the plural unit (${word}s)`);
  const interval = value * unitMs[(singular ? word : word.slice(0, -1)) as keyof typeof unitMs];
  return { expression, next: (after) => new Date(after.getTime() + interval) };
}

type DayMatcher = (year: number, month: number, day: number) => boolean;

interface CronFields {
  minutes: boolean[];
  hours: boolean[];
  months: boolean[];
  years: boolean[];
  day: DayMatcher;
}

function parseCron(expression: string, body: string): Schedule {
  const parts = body.split(' ');
  if (parts.length !== 6 || parts.some((part) => part === '')) {
    throw invalid(
      expression,
      'cron takes six fields separated by single spaces: minutes hours day-of-month month day-of-week year',
    );
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw invalid(expression, 'exactly one of day-of-month and day-of-week must be ?');
  }
  const fail = (why: string) => invalid(expression, why);
  const fields: CronFields = {
    minutes: numberSet(minute, 0, 59, 'minutes', fail),
    hours: numberSet(hour, 0, 23, 'hours', fail),
    months: numberSet(month, 1, 12, 'month', fail, monthNames),
    years: numberSet(year, 1970, maxYear, 'year', fail),
    day: dayOfMonth === '?' ? dayOfWeekMatcher(dayOfWeek, fail) : dayOfMonthMatcher(dayOfMonth, fail),
  };
  // A schedule that never fires (30 February) is refused now, not discovered at rotation time.
  const schedule: Schedule = { expression, next: (after) => nextCron(fields, after, expression) };
  const firstYear = fields.years.findIndex(Boolean);
  schedule.next(new Date(Date.UTC(firstYear, 0, 1) - minuteMs));
  return schedule;
}

function nextCron(fields: CronFields, after: Date, expression: string): Date {
  const start = new Date(Math.floor(after.getTime() / minuteMs) * minuteMs + minuteMs);
  const firstMinute = fields.minutes.findIndex(Boolean);
  let day = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  for (;;) {
    const date = new Date(day);
    const year = date.getUTCFullYear();
    if (year > maxYear) throw invalid(expression, 'it has no time left to fire before 2200');
    if (!fields.years[year]) {
      day = Date.UTC(year + 1, 0, 1);
      continue;
    }
    const month = date.getUTCMonth() + 1;
    if (!fields.months[month]) {
      day = Date.UTC(year, month, 1);
      continue;
    }
    if (fields.day(year, month, date.getUTCDate())) {
      const sameDay = day === Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
      for (let hour = sameDay ? start.getUTCHours() : 0; hour < 24; hour++) {
        if (!fields.hours[hour]) continue;
        const fromMinute = sameDay && hour === start.getUTCHours() ? start.getUTCMinutes() : 0;
        const minute =
          sameDay && hour === start.getUTCHours() ? fields.minutes.indexOf(true, fromMinute) : firstMinute;
        if (minute >= 0) return new Date(day + hour * 3_600_000 + minute * minuteMs);
      }
    }
    day += unitMs.day;
  }
}

/** The values of a plain field (`*`, lists, ranges, steps) as a membership array indexed by value. */
function numberSet(
  field: string,
  min: number,
  max: number,
  what: string,
  fail: (why: string) => ValidationError,
  names?: string[],
): boolean[] {
  const set = new Array<boolean>(max + 1).fill(false);
  for (const item of field.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined || range === undefined || range === '')
      throw fail(`${what}: "${item}" is not a value, range or step`);
    const step = stepText === undefined ? 1 : wholeNumber(stepText, 1, max - min + 1, `${what} step`, fail);
    let from: number;
    let to: number;
    if (range === '*') {
      from = min;
      to = max;
    } else {
      const [low, high, more] = range.split('-');
      if (more !== undefined || low === undefined) throw fail(`${what}: "${item}" is not a value or range`);
      from = fieldValue(low, min, max, what, fail, names);
      to =
        high === undefined
          ? stepText === undefined
            ? from
            : max
          : fieldValue(high, min, max, what, fail, names);
      if (to < from) throw fail(`${what}: the range ${range} ends before it starts`);
    }
    for (let value = from; value <= to; value += step) set[value] = true;
  }
  return set;
}

function fieldValue(
  text: string,
  min: number,
  max: number,
  what: string,
  fail: (why: string) => ValidationError,
  names?: string[],
): number {
  const named = names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + min;
  return wholeNumber(text, min, max, what, fail);
}

function wholeNumber(
  text: string,
  min: number,
  max: number,
  what: string,
  fail: (why: string) => ValidationError,
): number {
  if (!/^[0-9]{1,4}$/.test(text)) throw fail(`${what}: "${text}" is not a number`);
  const value = Number(text);
  if (value < min || value > max) throw fail(`${what}: ${value} is outside ${min}-${max}`);
  return value;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = Sunday … 7 = Saturday, EventBridge's numbering. */
function weekDay(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function isWeekday(year: number, month: number, day: number): boolean {
  const weekday = weekDay(year, month, day);
  return weekday !== 1 && weekday !== 7;
}

/** The weekday nearest `target` within its month (Saturday → Friday, Sunday → Monday, not crossing months). */
function nearestWeekday(year: number, month: number, target: number): number {
  const last = daysIn(year, month);
  const day = Math.min(target, last);
  const weekday = weekDay(year, month, day);
  if (weekday === 7) return day === 1 ? 3 : day - 1;
  if (weekday === 1) return day === last ? day - 2 : day + 1;
  return day;
}

function dayOfMonthMatcher(field: string, fail: (why: string) => ValidationError): DayMatcher {
  if (field === 'L') return (year, month, day) => day === daysIn(year, month);
  if (field === 'LW') {
    return (year, month, day) => {
      let last = daysIn(year, month);
      while (!isWeekday(year, month, last)) last--;
      return day === last;
    };
  }
  const weekdayOf = /^([0-9]{1,2})W$/.exec(field);
  if (weekdayOf) {
    const target = wholeNumber(weekdayOf[1]!, 1, 31, 'day-of-month', fail);
    return (year, month, day) => day === nearestWeekday(year, month, target);
  }
  if (/[LW#?]/.test(field)) throw fail(`day-of-month: "${field}" mixes L, W or # with other values`);
  const days = numberSet(field, 1, 31, 'day-of-month', fail);
  return (_year, _month, day) => days[day] === true;
}

function dayOfWeekMatcher(field: string, fail: (why: string) => ValidationError): DayMatcher {
  if (field === 'L') return (year, month, day) => weekDay(year, month, day) === 7;
  const last = /^([^L#]+)L$/.exec(field);
  if (last) {
    const target = fieldValue(last[1]!, 1, 7, 'day-of-week', fail, dayNames);
    return (year, month, day) => weekDay(year, month, day) === target && day + 7 > daysIn(year, month);
  }
  const nth = /^([^L#]+)#([1-5])$/.exec(field);
  if (nth) {
    const target = fieldValue(nth[1]!, 1, 7, 'day-of-week', fail, dayNames);
    const occurrence = Number(nth[2]);
    return (year, month, day) => weekDay(year, month, day) === target && Math.ceil(day / 7) === occurrence;
  }
  if (/[LW#?]/.test(field)) throw fail(`day-of-week: "${field}" mixes L, W or # with other values`);
  const days = numberSet(field, 1, 7, 'day-of-week', fail, dayNames);
  return (year, month, day) => days[weekDay(year, month, day)] === true;
}
