import type { Deps } from '../deps.ts';
import { queueDeliveryBatches } from './jobs.ts';

const BATCH = 500;

/**
 * Parks every delivery of an export that is waiting for its turn: the connection cannot give an
 * access token until a manager authorizes again (invalid_grant), or the export was disabled.
 * Parking spends no attempt; `resumeParkedDeliveries` sends them later, oldest first. Deliveries
 * already in flight park themselves when they meet the same problem.
 */
export function parkExportDeliveries(
  deps: Pick<Deps, 'store' | 'clock'>,
  exportId: string,
  reason: string,
): Promise<number> {
  return deps.store.parkExport(exportId, reason, deps.clock.now());
}

/**
 * Sends an export's parked deliveries again, oldest first, with no attempt spent by the parking.
 * B's token exchange calls it after a successful authorization; the sweeper calls it for any
 * export that is authorized and enabled but still has parked deliveries. Returns how many resumed.
 */
export async function resumeParkedDeliveries(
  deps: Pick<Deps, 'store' | 'queues' | 'clock' | 'logger'>,
  exportId: string,
): Promise<number> {
  let resumed = 0;
  for (;;) {
    const rows = await deps.store.resumeParked(exportId, BATCH, deps.clock.now());
    if (!rows.length) break;
    resumed += rows.length;
    await queueDeliveryBatches(
      deps,
      rows.map((r) => ({ id: r.id, attemptCount: r.attemptCount, exportId: r.exportId })),
    );
    if (rows.length < BATCH) break;
  }
  if (resumed) deps.logger.info({ exportId, resumed }, 'parked deliveries resumed');
  return resumed;
}
