import type { Deps } from '../deps.ts';
import { queueDeliveryBatches } from './jobs.ts';

const BATCH = 500;

/**
 * Parks every delivery of an export that is waiting for its turn: the connection cannot give an
 * access token until a manager authorizes again (invalid_grant), or the export was disabled.
 * Parking spends no attempt; `resumeParkedDeliveries` sends them later, oldest first. Deliveries
 * already in flight park themselves when they meet the same problem.
 */
export async function parkExportDeliveries(
  deps: Pick<Deps, 'db' | 'clock'>,
  exportId: string,
  reason: string,
): Promise<number> {
  const { count } = await deps.db.delivery.updateMany({
    where: { exportId, status: 'pending' },
    data: { status: 'parked', parkedAt: deps.clock.now(), nextAttemptAt: null, lastError: reason },
  });
  return count;
}

/**
 * Sends an export's parked deliveries again, oldest first, with no attempt spent by the parking.
 * B's token exchange calls it after a successful authorization; the sweeper calls it for any
 * export that is authorized and enabled but still has parked deliveries. Returns how many resumed.
 */
export async function resumeParkedDeliveries(
  deps: Pick<Deps, 'db' | 'queues' | 'clock' | 'logger'>,
  exportId: string,
): Promise<number> {
  let resumed = 0;
  for (;;) {
    const rows = await deps.db.delivery.findMany({
      where: { exportId, status: 'parked' },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: BATCH,
      select: { id: true, attemptCount: true },
    });
    if (!rows.length) break;
    const now = deps.clock.now();
    const { count } = await deps.db.delivery.updateMany({
      where: { id: { in: rows.map((r) => r.id) }, status: 'parked' },
      data: { status: 'pending', parkedAt: null, nextAttemptAt: now },
    });
    resumed += count;
    await queueDeliveryBatches(
      deps,
      rows.map((r) => ({ id: r.id, attemptCount: r.attemptCount })),
    );
    if (rows.length < BATCH) break;
  }
  if (resumed) deps.logger.info({ exportId, resumed }, 'parked deliveries resumed');
  return resumed;
}
