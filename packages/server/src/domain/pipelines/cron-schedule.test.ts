import { describe, expect, it } from 'vitest';
import { checkCron, fireTimesBetween, nextFireTime } from './cron-schedule.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('cron schedules', () => {
  it('reads Quartz weekdays as Quartz does (1 = Sunday) and honours the time zone', () => {
    const after = Date.parse('2024-03-29T10:00:00Z'); // a Friday
    const weekdays = { quartzCronExpression: '0 0 9 ? * MON-FRI', timezoneId: 'Europe/Paris', pauseStatus: 'UNPAUSED' as const };
    expect(iso(nextFireTime(weekdays, after))).toBe('2024-04-01T07:00:00.000Z'); // Monday 09:00 CEST
    const monday = { ...weekdays, quartzCronExpression: '0 0 9 ? * 2' };
    expect(iso(nextFireTime(monday, after))).toBe('2024-04-01T07:00:00.000Z');
    const sunday = { ...weekdays, quartzCronExpression: '0 0 9 ? * 1' };
    expect(iso(nextFireTime(sunday, after))).toBe('2024-03-31T07:00:00.000Z');
  });

  it('moves with daylight saving time', () => {
    const daily = { cron: '30 8 * * *', timezoneId: 'America/New_York', pauseStatus: 'UNPAUSED' as const };
    const fires = fireTimesBetween(daily, Date.parse('2024-03-08T00:00:00Z'), Date.parse('2024-03-11T23:00:00Z'));
    expect(fires.map(iso)).toEqual(['2024-03-08T13:30:00.000Z', '2024-03-09T13:30:00.000Z', '2024-03-10T12:30:00.000Z', '2024-03-11T12:30:00.000Z']);
  });

  it('lists due fire times strictly after the last one', () => {
    const every15 = { cron: '*/15 * * * *', timezoneId: 'UTC', pauseStatus: 'UNPAUSED' as const };
    const t0 = Date.parse('2024-01-01T00:00:00Z');
    expect(fireTimesBetween(every15, t0, t0 + 45 * 60_000).map(iso)).toEqual([
      '2024-01-01T00:15:00.000Z',
      '2024-01-01T00:30:00.000Z',
      '2024-01-01T00:45:00.000Z',
    ]);
  });

  it.each([
    [{ quartzCronExpression: '0 0 25 * * ?' }, /hour/],
    [{ quartzCronExpression: '0 0 6 * * MON' }, /exactly one of day-of-month and day-of-week/],
    [{ quartzCronExpression: '0 0 6 ? * 8' }, /1-7/],
    [{ quartzCronExpression: '0 6 * * *' }, /6 or 7 fields/],
    [{ cron: '0 0 6 * * *' }, /5 fields/],
    [{ quartzCronExpression: '0 0 12 * * ? 2001' }, /never fires/],
  ])('rejects %j', (expr, why) => {
    const r = checkCron(expr);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(why);
  });
});
