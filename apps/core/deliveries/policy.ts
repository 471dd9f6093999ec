import { DEFAULT_RETRY_SCHEDULE_SECONDS } from './schedule.ts';

// An export's delivery policy as the API takes and shows it (docs/api/deliveries.md, "Outcomes and
// the retry schedule"). `retrySchedule` entry k is the wait in seconds after attempt k+1 fails; the
// first attempt is immediate, so N entries allow N+1 attempts. The `exports.retry_schedule` column
// keeps the delay before every attempt, the first included (schedule.ts), so it is the API's list
// with a 0 in front.

export const MAX_SCHEDULE_ENTRIES = 20;
export const MAX_SCHEDULE_SECONDS = 86_400;

/** The default schedule as the API shows it: Svix's waits after each failed attempt. */
export const DEFAULT_RETRY_SCHEDULE = DEFAULT_RETRY_SCHEDULE_SECONDS.slice(1);

/**
 * 4xx codes an export may name to fail at once instead of being retried. 401 refreshes the token,
 * 408 and 429 are about timing and 410 disables the export: none of them is a verdict on the body.
 */
export const NEVER_PERMANENT = [401, 408, 410, 429] as const;

/** Why a list of permanent statuses is unacceptable, or null. */
export function permanentStatusProblem(code: number): string | null {
  if (!Number.isInteger(code) || code < 400 || code > 499) return 'must be a status code from 400 to 499';
  if ((NEVER_PERMANENT as readonly number[]).includes(code)) return `${code} cannot be permanent`;
  return null;
}

/** `maxInFlight` when an export sets none, and its bounds (docs/api/deliveries.md, "Flow control"). */
export const DEFAULT_MAX_IN_FLIGHT = 20;
export const MAX_IN_FLIGHT_LIMIT = 100;
/** Bounds of `rateLimitPerMinute` (no limit by default). */
export const MAX_RATE_LIMIT_PER_MINUTE = 100_000;

/** The column text for a schedule the API was given. */
export function retryScheduleColumn(waits: readonly number[]): string {
  return JSON.stringify([0, ...waits]);
}

/** The schedule as the API shows it: the column's delays after the first attempt, or the default. */
export function retryScheduleOf(column: string | null): number[] {
  if (column) {
    try {
      const value: unknown = JSON.parse(column);
      if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number')) {
        return (value as number[]).slice(1);
      }
    } catch {
      // an unreadable column means the default, as for deliveries (schedule.ts)
    }
  }
  return [...DEFAULT_RETRY_SCHEDULE];
}

/** The export's permanent statuses from their column (a JSON array), [] when none or unreadable. */
export function permanentStatusesOf(column: string | null): number[] {
  if (!column) return [];
  try {
    const value: unknown = JSON.parse(column);
    return Array.isArray(value) ? value.filter((v): v is number => permanentStatusProblem(v as number) === null) : [];
  } catch {
    return [];
  }
}
