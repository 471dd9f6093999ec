import type { Deps } from '../../deps.ts';
import { queueDeliveryBatches } from '../jobs.ts';

/**
 * After a delivery of an ordered export finished (delivered, failed or dead), wakes the next one in
 * ingest order: it was held while this one was unfinished (its own wake-up found it held and did
 * nothing) and is due now. One still waiting for a retry keeps the job its retry queued. A wake-up
 * lost here (a crash) is the sweeper's: it queues an ordered export's head when it is overdue.
 */
export async function wakeNextInOrder(deps: Pick<Deps, 'store' | 'queues' | 'clock'>, exportId: string): Promise<void> {
  const head = await deps.store.orderedHead(exportId);
  if (head?.status !== 'pending') return;
  if (head.nextAttemptAt && head.nextAttemptAt.getTime() > deps.clock.now().getTime()) return;
  await queueDeliveryBatches(deps, [head], { idPrefix: 'next' });
}
