import type { Clock } from '../clock.ts';
import { newId } from '../ids.ts';
import { GroupCommit } from './group-commit.ts';
import type { AttemptRow, DeliveryStore, DeliveryUpdate } from './store/delivery-store.ts';

export type { AttemptRow, DeliveryUpdate } from './store/delivery-store.ts';

/** What one finished attempt writes: its attempt rows and the delivery's new state. */
export interface OutcomeWrite {
  deliveryId: string;
  /** The attempt count the worker claimed the row at (the update is guarded by it). */
  claimedAttemptCount: number;
  attempts: AttemptRow[];
  update: DeliveryUpdate;
}

/** Outcomes of this process finishing together, sharing one transaction (built by the composition root). */
export type OutcomeWriter = GroupCommit<OutcomeWrite, true>;

export function createOutcomeWriter(store: DeliveryStore, clock: Clock): OutcomeWriter {
  return new GroupCommit(async (items) => {
    await store.recordOutcomes(
      items.map((w) => ({
        deliveryId: w.deliveryId,
        claimedAttemptCount: w.claimedAttemptCount,
        attempts: w.attempts.map((a) => ({ ...a, id: newId('att') })),
        ...w.update,
        attemptCount: w.claimedAttemptCount + w.attempts.length,
      })),
      clock.now(),
    );
    return items.map(() => true as const);
  });
}

/**
 * Records attempts and the delivery's new state in one transaction, shared with the other
 * attempts finishing at the same time (group commit; the statement is the store's recordOutcomes).
 */
export async function writeOutcome(deps: { outcomeWriter: OutcomeWriter }, write: OutcomeWrite): Promise<void> {
  await deps.outcomeWriter.submit(write);
}
