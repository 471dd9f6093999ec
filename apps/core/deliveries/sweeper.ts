import type { Deps } from '../deps.ts';
import { queueDeliveries } from './jobs.ts';
import { resumeParkedDeliveries } from './parking.ts';

/** A pending delivery this long past due with no job is assumed to have lost it (crash, Redis flush). */
const OVERDUE_MS = 15_000;
/**
 * A delivery claimed longer ago than this is assumed to have lost its worker. It must exceed the
 * longest attempt: a token refresh (OAUTH_HTTP_TIMEOUT_SECONDS, plus the wait for another
 * process's refresh) and two sends of 15 s each (a 401, a refresh and the second send).
 */
const CLAIM_LEASE_MS = 3 * 60_000;
/** Parked this long while the export is usable again: the resume hook was missed (a race). */
const PARKED_GRACE_MS = 30_000;
const BATCH = 1000;

export interface SweepReport {
  requeued: number;
  reclaimed: number;
  resumedExports: number;
}

/**
 * The safety net under "nothing is ever lost": queues every pending delivery that is overdue (its
 * job never made it to Redis, or was lost), puts back deliveries whose worker died mid-attempt,
 * and resumes parked deliveries of exports that are authorized and enabled again. Re-queueing is
 * idempotent: the job id is derived from the row's state (jobs.ts), so a job still waiting is kept.
 */
export async function sweepDeliveries(deps: Pick<Deps, 'store' | 'queues' | 'clock' | 'logger'>): Promise<SweepReport> {
  const now = deps.clock.now();
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const reclaimed = await deps.store.reclaimStale(ago(CLAIM_LEASE_MS), BATCH, now);
  const overdue = await deps.store.overdue(ago(OVERDUE_MS), BATCH);
  if (overdue.length) await queueDeliveries(deps, overdue);
  const usableAgain = await deps.store.exportsToResume(ago(PARKED_GRACE_MS));
  for (const exportId of usableAgain) await resumeParkedDeliveries(deps, exportId);

  const report = { requeued: overdue.length, reclaimed, resumedExports: usableAgain.length };
  if (reclaimed || usableAgain.length) deps.logger.info(report, 'delivery sweep recovered deliveries');
  return report;
}
