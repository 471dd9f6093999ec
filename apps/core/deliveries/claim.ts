import type { Deps } from '../deps.ts';
import type { JobKey } from './jobs.ts';

/** A delivery this worker now holds (`delivering`), with what it needs to build the webhook. */
export interface ClaimedDelivery {
  id: string;
  exportId: string;
  attemptCount: number;
  scheduleIndex: number;
  engagement: { payload: string; receivedAt: Date };
}

/**
 * Takes a delivery for one attempt: only if the row is still in exactly the state the job was
 * queued for (pending, same attempt count, same due time), so a stale or duplicate wake-up does
 * nothing. A job that BullMQ runs again after its worker died (`rerun`) may take back the row it
 * had already claimed: the job id names that state, so no other job can hold it.
 */
export async function claimDelivery(
  deps: Pick<Deps, 'db'>,
  key: JobKey,
  rerun: boolean,
): Promise<ClaimedDelivery | null> {
  const { count } = await deps.db.delivery.updateMany({
    where: {
      id: key.deliveryId,
      attemptCount: key.attemptCount,
      nextAttemptAt: key.dueAt ? new Date(key.dueAt) : null,
      status: rerun ? { in: ['pending', 'delivering'] } : 'pending',
    },
    data: { status: 'delivering' },
  });
  if (!count) return null;
  return deps.db.delivery.findUnique({
    where: { id: key.deliveryId },
    select: {
      id: true,
      exportId: true,
      attemptCount: true,
      scheduleIndex: true,
      engagement: { select: { payload: true, receivedAt: true } },
    },
  });
}
