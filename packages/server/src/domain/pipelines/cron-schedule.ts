import { Cron } from 'croner';
import type { ScheduleSpec } from './project-model.js';

/**
 * Cron parsing and next-fire computation, delegated to `croner` (zero dependencies, IANA zones
 * through Intl, and a Quartz mode: seconds field, optional year, `?`, `L`, `W`, `#`, 1 = Sunday).
 * Databricks schedules are Quartz expressions, so we need those semantics exactly; cron-parser
 * numbers weekdays the Unix way and has no year field.
 */
export type CronCheck = { ok: true } | { ok: false; reason: string };

const QUARTZ_DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function quartzPrecheck(expr: string): string | undefined {
  const parts = expr.trim().split(/\s+/);
  if (parts.length < 6 || parts.length > 7) {
    return `a Quartz expression has 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), got ${parts.length}`;
  }
  const dom = parts[3]!;
  const dow = parts[5]!;
  // Quartz refuses to combine the two day fields; croner would AND them, silently changing meaning.
  if ((dom === '?') === (dow === '?')) {
    return "exactly one of day-of-month and day-of-week must be '?' (Quartz does not combine them)";
  }
  if (dow !== '?') {
    // croner's Quartz mode accepts 0 and 8; Quartz itself only 1-7.
    for (const item of dow.toUpperCase().split(',')) {
      const range = item.split('/')[0]!.replace(/#\d+$/, '').replace(/L$/, '');
      for (const day of range.split('-')) {
        if (day === '*' || day === '' || QUARTZ_DAY_NAMES.includes(day)) continue;
        const n = Number(day);
        if (!Number.isInteger(n) || n < 1 || n > 7) return `day-of-week '${dow}' must use 1-7 (1 = Sunday) or SUN-SAT`;
      }
    }
  }
  return undefined;
}

function compile(schedule: Pick<ScheduleSpec, 'quartzCronExpression' | 'cron' | 'timezoneId'>): Cron {
  if (schedule.quartzCronExpression !== undefined) {
    const why = quartzPrecheck(schedule.quartzCronExpression);
    if (why) throw new Error(why);
    return new Cron(schedule.quartzCronExpression, {
      timezone: schedule.timezoneId,
      mode: '6-or-7-parts',
      alternativeWeekdays: true,
      // Quartz ANDs the day fields (one is always '?'); croner's default ORs them like Vixie cron.
      domAndDow: true,
      paused: true,
    });
  }
  if (schedule.cron !== undefined) {
    const parts = schedule.cron.trim().split(/\s+/);
    if (parts.length !== 5) throw new Error(`a cron expression has 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
    return new Cron(schedule.cron, { timezone: schedule.timezoneId, mode: '5-part', paused: true });
  }
  throw new Error('a schedule needs quartz_cron_expression or cron');
}

export function checkCron(schedule: Pick<ScheduleSpec, 'quartzCronExpression' | 'cron'>): CronCheck {
  try {
    const c = compile({ ...schedule, timezoneId: 'UTC' });
    // An expression that can never fire (e.g. 30 February, or a past year) is a mistake too.
    if (c.nextRun(new Date()) === null) return { ok: false, reason: 'the expression never fires' };
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: cleanReason((e as Error).message) };
  }
}

export function isValidTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The first fire time strictly after `afterMs` (epoch ms), or undefined if the schedule never fires again. */
export function nextFireTime(schedule: ScheduleSpec, afterMs: number): number | undefined {
  const next = compile(schedule).nextRun(new Date(afterMs));
  return next ? next.getTime() : undefined;
}

/**
 * Fire times in (afterMs, untilMs], oldest first, at most `limit`. The scheduler uses it to see
 * which fires came due since its last look.
 */
export function fireTimesBetween(schedule: ScheduleSpec, afterMs: number, untilMs: number, limit = 100): number[] {
  const cron = compile(schedule);
  const out: number[] = [];
  let cursor = new Date(afterMs);
  while (out.length < limit) {
    const next = cron.nextRun(cursor);
    if (!next || next.getTime() > untilMs) break;
    out.push(next.getTime());
    cursor = next;
  }
  return out;
}

function cleanReason(message: string): string {
  return message.replace(/^CronPattern:\s*/, '').replace(/^CronDate:\s*/, '');
}
