import type { Transporter } from 'nodemailer';
import { TtlCache } from '../cache.ts';
import type { Clock } from '../clock.ts';
import type { ConditionKind } from './kinds.ts';

/**
 * How long a process trusts what it read of an export's active conditions. A delivery's success
 * ends them (export.recovered): reading them for every success would cost a query on the hot path,
 * so a process reads them at most this often per export, and knows at once of those it started.
 */
export const CONDITIONS_CACHE_MS = 5_000;

/** `exports.last_success_at` is written at most this often per export and process. */
export const LAST_SUCCESS_WRITE_MS = 60_000;

/** How long closing waits for notification sends already started (the rest are retried later). */
const CLOSE_WAIT_MS = 5_000;

/** What one process keeps for notifications (built by the composition root, closed with it). */
export interface NotificationState {
  /** Active condition kinds per export id, as this process last read or changed them. */
  conditions: TtlCache<Promise<readonly ConditionKind[]>>;
  /** Exports whose `last_success_at` this process wrote lately (the value says nothing more). */
  successWritten: TtlCache<true>;
  /** How often `last_success_at` is written per export and process (at most LAST_SUCCESS_WRITE_MS). */
  lastSuccessEveryMs: number;
  /** The SMTP transport, made on first use (mail-channel.ts). */
  mailer: Transporter | undefined;
  /** Runs a send in the background (never awaited by deliveries); closing waits for it a little. */
  track(send: Promise<unknown>): void;
  close(): Promise<void>;
}

/**
 * `failingAfterMs` (EXPORT_FAILING_AFTER) bounds how stale `last_success_at` may be: a window of
 * seconds (tests) writes it more often than once a minute, so a success is never missed by the
 * periodic check (periodic.ts).
 */
export function createNotificationState(clock: Clock, failingAfterMs: number): NotificationState {
  const running = new Set<Promise<unknown>>();
  const lastSuccessEveryMs = Math.max(1, Math.min(LAST_SUCCESS_WRITE_MS, Math.floor(failingAfterMs / 2)));
  const state: NotificationState = {
    conditions: new TtlCache(clock, { ttlMs: CONDITIONS_CACHE_MS, maxEntries: 10_000 }),
    successWritten: new TtlCache(clock, { ttlMs: lastSuccessEveryMs, maxEntries: 10_000 }),
    lastSuccessEveryMs,
    mailer: undefined,
    track(send) {
      const tracked = send.catch(() => undefined).finally(() => running.delete(tracked));
      running.add(tracked);
    },
    async close() {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...running]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, CLOSE_WAIT_MS);
        }),
      ]);
      clearTimeout(timer);
      state.mailer?.close();
      state.mailer = undefined;
      state.conditions.clear();
      state.successWritten.clear();
    },
  };
  return state;
}
