export interface WaitOptions {
  /** What the test is waiting for, as the timeout message should name it ("every delivery to be delivered"). */
  what: string;
  /** How long to keep polling (default 30 s). */
  timeoutMs?: number;
  /** Something to add to the timeout message: the state last seen. */
  detail?: () => unknown;
}

type Done<T> = Exclude<T, undefined | null | false | 0 | ''>;

/**
 * Polls `check` until it answers something truthy, and returns that answer. Intervals start at
 * 5 ms and grow to 100 ms, so a condition met quickly is seen quickly and a slow one costs little;
 * past the deadline it throws naming `what` (and `detail()`). An error thrown by `check` is not
 * retried: it fails the wait at once.
 */
export async function waitUntil<T>(check: () => T | Promise<T>, options: WaitOptions): Promise<Done<T>> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let interval = 5;
  for (;;) {
    const value = await check();
    if (value) return value as Done<T>;
    if (Date.now() >= deadline) {
      const detail = options.detail ? `: ${describe(await options.detail())}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(0, deadline - Date.now()))));
    interval = Math.min(interval * 2, 100);
  }
}

/** Reads `read()` until `done` accepts what it read, and returns that reading. */
export async function waitForValue<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: Omit<WaitOptions, 'detail'>,
): Promise<T> {
  let last: T | undefined;
  const found = await waitUntil(
    async () => {
      last = await read();
      return done(last) ? { value: last } : undefined;
    },
    { ...options, detail: () => last },
  );
  return found.value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value.slice(0, 500);
  try {
    return String(JSON.stringify(value)).slice(0, 500);
  } catch {
    return String(value).slice(0, 500);
  }
}
