import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';
import { GroupCommit } from './group-commit.ts';
import { writeDeliveryOutcomes } from './hot-path.ts';

/** One request sent (or that could not be sent), as `delivery_attempts` keeps it. */
export interface AttemptRow {
  attempt: number;
  startedAt: Date;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseSnippet: string | null;
}

/** The delivery's state after an attempt (fields left out keep their value). */
export interface DeliveryUpdate {
  status: 'pending' | 'delivered' | 'failed' | 'dead' | 'parked';
  nextAttemptAt: Date | null;
  lastError: string | null;
  scheduleIndex?: number;
  lastStatusCode?: number | null;
}

/** What one finished attempt writes: its attempt rows and the delivery's new state. */
export interface OutcomeWrite {
  deliveryId: string;
  /** The attempt count the worker claimed the row at (the update is guarded by it). */
  claimedAttemptCount: number;
  attempts: AttemptRow[];
  update: DeliveryUpdate;
}

type WriteDeps = Pick<Deps, 'db' | 'config' | 'clock'>;

const writers = new WeakMap<object, GroupCommit<OutcomeWrite, true>>();

/**
 * Records attempts and the delivery's new state in one transaction, shared with the other
 * attempts finishing at the same time (group commit; the statements are in hot-path.ts).
 */
export async function writeOutcome(deps: WriteDeps, write: OutcomeWrite): Promise<void> {
  let writer = writers.get(deps.db);
  if (!writer) writers.set(deps.db, (writer = new GroupCommit((items) => writeBatch(deps, items))));
  await writer.submit(write);
}

async function writeBatch(deps: WriteDeps, items: OutcomeWrite[]): Promise<true[]> {
  await writeDeliveryOutcomes(
    deps,
    items.map((w) => ({
      deliveryId: w.deliveryId,
      claimedAttemptCount: w.claimedAttemptCount,
      attempts: w.attempts.map((a) => ({ ...a, id: newId('att') })),
      ...w.update,
      attemptCount: w.claimedAttemptCount + w.attempts.length,
    })),
    deps.clock.now(),
  );
  return items.map(() => true as const);
}
