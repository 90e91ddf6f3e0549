/**
 * notifications.muteWindows of automation.yml: named windows of the week, month or year during which
 * the alerts they select are counted, not sent (shared/alerts/mute-windows.ts). The words are
 * Alertmanager's time intervals': weekdays, times, daysOfMonth, months, and a zone.
 *
 *   muteWindows:
 *     maintenance: { weekdays: [monday-friday], times: ["02:00-03:00"], timezone: Europe/Berlin }
 *     month-end-batch: { daysOfMonth: ["-1"], times: ["22:00-06:00"], matchers: ["subject=job:ledger-close"] }
 */
import * as z from 'zod';
import type { MuteWindow } from '../alerts/mute-windows.ts';
import { MatcherError, parseMatcher } from '../alerts/silence-matchers.ts';
import { excerptOf } from '../errors.ts';
import { isKnownTimeZone } from './time-zone.ts';

const WEEKDAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** A weekday or month by its name or its first three letters, any case; its number from 1. */
function named(names: readonly string[], text: string): number | undefined {
  const word = text.trim().toLowerCase();
  const index = names.findIndex((name) => name === word || (word.length === 3 && name.startsWith(word)));
  return index < 0 ? undefined : index + 1;
}

/** `monday`, `monday:friday` (Alertmanager) or `monday-friday`; a range may wrap (friday:monday). */
function cyclicRange(text: string, size: number, one: (part: string) => number | undefined): number[] | undefined {
  const parts = text.split(/[:-]/);
  if (parts.length > 2) return undefined;
  const [first = '', last = first] = parts;
  const from = one(first);
  const to = one(last);
  if (from === undefined || to === undefined) return undefined;
  const picked: number[] = [];
  for (let n = from; ; n = (n % size) + 1) {
    picked.push(n);
    if (n === to) return picked;
  }
}

function listOf(what: string, example: string, parse: (text: string) => number[] | undefined) {
  return z
    .array(z.union([z.string(), z.number()]))
    .min(1, { error: `name at least one ${what}, or leave the field out (every ${what})` })
    .superRefine((items, ctx) => {
      items.forEach((item, index) => {
        if (!parse(String(item)))
          ctx.addIssue({ code: 'custom', path: [index], message: `${excerptOf(item, 60)} is not a ${what}: write e.g. ${example}` });
      });
    })
    .transform((items) => [...new Set(items.flatMap((item) => parse(String(item)) ?? []))].sort((a, b) => a - b));
}

const monthNumber = (text: string) => (/^\d{1,2}$/.test(text.trim()) ? Number(text) : named(MONTH_NAMES, text));
const validMonth = (n: number | undefined) => (n !== undefined && n >= 1 && n <= 12 ? n : undefined);

const weekdays = listOf('weekday', 'monday, monday:friday or saturday-sunday', (text) =>
  cyclicRange(text, 7, (part) => named(WEEKDAY_NAMES, part)),
).meta({
  description: 'the days of the week it is open: monday, monday:friday (or monday-friday), sat:sun',
});

const months = listOf('month', 'january, 12, or march:may', (text) => cyclicRange(text, 12, (part) => validMonth(monthNumber(part)))).meta({
  description: 'the months it is open: january, 1, march:may (or march-may)',
});

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const minutesOf = (text: string) => {
  if (text.trim() === '24:00') return 24 * 60;
  const parts = TIME.exec(text.trim());
  return parts ? Number(parts[1]) * 60 + Number(parts[2]) : undefined;
};

/** "02:00-03:00": the start included, the end not; 24:00 is the end of the day; an end before the start is on the next day. */
const timeRange = z
  .string()
  .transform((text, ctx) => {
    const [first = '', last, ...rest] = text.split('-');
    const start = minutesOf(first);
    const end = last === undefined ? undefined : minutesOf(last);
    if (rest.length || start === undefined || start === 24 * 60 || end === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${excerptOf(text, 60)} is not a time range: write "HH:MM-HH:MM", e.g. "02:00-03:00" or "22:00-24:00"`,
      });
      return z.NEVER;
    }
    if (start === end || (start === 0 && end === 24 * 60)) {
      ctx.addIssue({
        code: 'custom',
        message: `${excerptOf(text, 60)} ${start === end ? 'is empty' : 'is the whole day'}: leave times out for whole days`,
      });
      return z.NEVER;
    }
    return { start, end };
  })
  .meta({ description: 'a wall-clock time range "HH:MM-HH:MM" (end not included; 24:00 ends the day; 22:00-02:00 ends the next day)' });

/** `1`, `-1` (the last day), `1:7`, `-7:-1` (the last week), `25:-1`. */
const dayOfMonthRange = z.union([z.string(), z.number()]).transform((item, ctx) => {
  const text = String(item).trim();
  const match = /^(-?\d{1,2})(?::(-?\d{1,2}))?$/.exec(text);
  const from = match ? Number(match[1]) : Number.NaN;
  const to = match?.[2] === undefined ? from : Number(match[2]);
  const valid = (n: number) => Number.isInteger(n) && n !== 0 && Math.abs(n) <= 31;
  if (!valid(from) || !valid(to)) {
    ctx.addIssue({
      code: 'custom',
      message: `${excerptOf(item, 60)} is not a day of the month: write 1 to 31, -1 for the last day, or a range 1:7, -7:-1`,
    });
    return z.NEVER;
  }
  if (Math.sign(from) === Math.sign(to) && from > to) {
    ctx.addIssue({ code: 'custom', message: `${excerptOf(item, 60)}: a range of days goes from the earlier to the later day` });
    return z.NEVER;
  }
  return { from, to };
});

const matcher = z.string().transform((text, ctx) => {
  try {
    return parseMatcher(text);
  } catch (error) {
    if (!(error instanceof MatcherError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
    return z.NEVER;
  }
});

/** A window's fields, also taken by the sandbox's mute-window scenario kind. */
export const muteWindowFields = {
  weekdays: weekdays.optional(),
  times: z.array(timeRange).min(1, { error: 'name at least one time range, or leave times out (the whole day)' }).optional(),
  daysOfMonth: z.array(dayOfMonthRange).min(1, { error: 'name at least one day, or leave daysOfMonth out (every day)' }).optional(),
  months: months.optional(),
  timezone: z
    .string()
    .refine(isKnownTimeZone, { error: (issue) => `unknown time zone ${excerptOf(issue.input, 100)}` })
    .optional()
    .meta({ description: 'IANA zone its times are read in (default: defaults.timezone, else UTC)' }),
  matchers: z.array(matcher).default([]).meta({
    description: 'the alerts it mutes, as silences select them (cluster=prod, category=~"crash-loop|app-error"); default: every alert',
  }),
};

/** A window must say when it is open: one with none of these fields would be open always. */
export const SAYS_WHEN_OPEN = {
  check: (window: { weekdays?: unknown; times?: unknown; daysOfMonth?: unknown; months?: unknown }) =>
    Boolean(window.weekdays || window.times || window.daysOfMonth || window.months),
  error: 'a window with no weekdays, times, daysOfMonth or months would always be open: say when it is open',
};

const muteWindow = z.strictObject(muteWindowFields).refine(SAYS_WHEN_OPEN.check, { error: SAYS_WHEN_OPEN.error });

/** What a mute window may be called. */
export const muteWindowName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, { error: 'a mute window name may hold letters, digits, "-" and "_"' });

export const muteWindowsSchema = z
  .record(muteWindowName, muteWindow)
  .optional()
  .meta({ description: 'Named times when alerts are counted, not sent (like Alertmanager mute time intervals)' });

/** The windows as notify asks them, each with its zone (automation.yml's default zone when it names none). */
export function muteWindowsOf(parsed: z.output<typeof muteWindowsSchema>, defaultZone: string): MuteWindow[] {
  return Object.entries(parsed ?? {}).map(([name, window]) => ({ name, ...window, timezone: window.timezone ?? defaultZone }));
}
