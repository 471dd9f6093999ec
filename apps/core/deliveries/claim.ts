import type { Clock } from '../clock.ts';
import { GroupCommit } from './group-commit.ts';
import type { JobKey } from './jobs.ts';
import type { ClaimedDelivery, ClaimKey, DeliveryStore } from './store/delivery-store.ts';

export type { ClaimedDelivery } from './store/delivery-store.ts';

/** Concurrent claims of this process, sharing one statement (built by the composition root). */
export type Claimer = GroupCommit<ClaimKey, ClaimedDelivery | null>;

export function createClaimer(store: DeliveryStore, clock: Clock): Claimer {
  return new GroupCommit(async (items) => {
    const rows = await store.claim(items, clock.now());
    if (!rows.length) return items.map(() => null);
    const claimed = new Map(rows.map((r) => [r.id, r]));
    return items.map((item) => {
      const row = claimed.get(item.deliveryId);
      // Two wake-ups for the same delivery in one batch: only the first one gets it.
      claimed.delete(item.deliveryId);
      return row ?? null;
    });
  });
}

/**
 * Takes a delivery for one attempt, only if the row is still pending at the attempt count the job
 * was queued for: a stale or duplicate wake-up does nothing, and a wake-up for an earlier attempt
 * cannot cut a retry's backoff short. A job BullMQ runs again after its worker died (`rerun`)
 * may take back a row it had already claimed (`delivering`). Usually no other job holds it, but a
 * sweeper wake-up for a batch that waited over 15 s may: the delivery is then sent twice, which
 * at-least-once delivery allows (receivers deduplicate on `webhook-id`). Concurrent claims share
 * one UPDATE … RETURNING (group commit).
 */
export function claimDelivery(
  deps: { claimer: Claimer },
  key: Pick<JobKey, 'deliveryId' | 'attemptCount'>,
  rerun: boolean,
): Promise<ClaimedDelivery | null> {
  return deps.claimer.submit({ deliveryId: key.deliveryId, attemptCount: key.attemptCount, rerun });
}
