import type { Deps } from '../deps.ts';
import { GroupCommit } from './group-commit.ts';
import type { JobKey } from './jobs.ts';
import { claimDeliveryRows } from './hot-path.ts';

/** A delivery this worker now holds (`delivering`), with what it needs to build the webhook. */
export interface ClaimedDelivery {
  id: string;
  exportId: string;
  attemptCount: number;
  scheduleIndex: number;
  engagement: { payload: string; receivedAt: Date };
}

interface ClaimRequest {
  deliveryId: string;
  attemptCount: number;
  rerun: boolean;
}

type ClaimDeps = Pick<Deps, 'db' | 'config' | 'clock'>;

const claimers = new WeakMap<object, GroupCommit<ClaimRequest, ClaimedDelivery | null>>();

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
  deps: ClaimDeps,
  key: Pick<JobKey, 'deliveryId' | 'attemptCount'>,
  rerun: boolean,
): Promise<ClaimedDelivery | null> {
  let claimer = claimers.get(deps.db);
  if (!claimer) claimers.set(deps.db, (claimer = new GroupCommit((items) => claimBatch(deps, items))));
  return claimer.submit({ deliveryId: key.deliveryId, attemptCount: key.attemptCount, rerun });
}

async function claimBatch(deps: ClaimDeps, items: ClaimRequest[]): Promise<(ClaimedDelivery | null)[]> {
  const rows = await claimDeliveryRows(deps, items, deps.clock.now());
  if (!rows.length) return items.map(() => null);
  const claimed = new Map(rows.map((r) => [r.id, r]));
  return items.map((item) => {
    const row = claimed.get(item.deliveryId);
    if (!row) return null;
    // Two wake-ups for the same delivery in one batch: only the first one gets it.
    claimed.delete(item.deliveryId);
    return {
      id: row.id,
      exportId: row.export_id,
      attemptCount: Number(row.attempt_count),
      scheduleIndex: Number(row.schedule_index),
      engagement: { payload: row.payload, receivedAt: new Date(row.received_at) },
    };
  });
}
