/**
 * The delivery retry schedule: the delay before each attempt, the first included. The default is
 * Svix's (docs/api/deliveries.md): at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; after the last
 * attempt fails the delivery is dead. An export may set its own in `exports.retry_schedule`
 * (a JSON array of seconds, fractions allowed, so tests can compress it to milliseconds).
 */
export const DEFAULT_RETRY_SCHEDULE_SECONDS = [0, 5, 300, 1800, 7200, 18000, 36000, 36000] as const;

const MAX_ATTEMPTS = 20;
const MAX_DELAY_SECONDS = 7 * 24 * 3600;
/** A `Retry-After` longer than this is capped: a receiver cannot park a delivery for weeks. */
const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;
/** ±10 % jitter, so deliveries that failed together do not all come back in the same instant. */
const JITTER = 0.1;

/** Why a retry schedule is unacceptable, or null when it is fine (for the export API to use). */
export function retryScheduleProblem(value: unknown): string | null {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ATTEMPTS) {
    return `must be an array of 1 to ${MAX_ATTEMPTS} delays in seconds`;
  }
  if (value.some((v) => typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_DELAY_SECONDS)) {
    return `every delay must be a number of seconds between 0 and ${MAX_DELAY_SECONDS}`;
  }
  return null;
}

/** The export's schedule in milliseconds; the default when the column is empty or unreadable. */
export function parseRetrySchedule(text: string | null | undefined): number[] {
  if (text) {
    try {
      const value: unknown = JSON.parse(text);
      if (retryScheduleProblem(value) === null) return (value as number[]).map((s) => Math.round(s * 1000));
    } catch {
      // fall through to the default: a bad column must not stop deliveries
    }
  }
  return DEFAULT_RETRY_SCHEDULE_SECONDS.map((s) => s * 1000);
}

/**
 * The wait before the attempt at `nextIndex` of the schedule, with jitter, never shorter than the
 * receiver's `Retry-After`; null when the schedule is used up (the delivery is dead).
 */
export function retryDelayMs(
  schedule: readonly number[],
  nextIndex: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | null {
  const base = schedule[nextIndex];
  if (base === undefined) return null;
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random()));
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

/** `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}
