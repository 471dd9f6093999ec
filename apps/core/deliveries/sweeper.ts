import type { Deps } from '../deps.ts';
import { loadExportContext } from './export-context.ts';
import { flowLimits } from './flow/limits.ts';
import { queueDeliveries, queueDeliveryBatches } from './jobs.ts';
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
  /** Waiting wake-ups queued again because nobody was handing their export's room on. */
  nudged: number;
}

type SweepDeps = Pick<Deps, 'store' | 'queues' | 'clock' | 'logger' | 'flow' | 'db' | 'secretBox' | 'exportContexts'>;

/**
 * The safety net under "nothing is ever lost": puts back deliveries whose worker died mid-attempt
 * (recording the attempt that was cut off) and queues them, queues every pending delivery that is
 * overdue (its job never made it to Redis, or was lost), nudges exports whose waiting wake-ups have
 * room nobody hands on (flow/), and resumes parked deliveries of exports that are authorized and
 * enabled again. Re-queueing is idempotent: the job id is derived from the row's state (jobs.ts),
 * so a job still waiting is kept. Deliveries waiting in Redis for their export's room, and those
 * an ordered export holds behind an earlier one, are not overdue: a large backlog is not queued
 * again every sweep.
 */
export async function sweepDeliveries(deps: SweepDeps): Promise<SweepReport> {
  const now = deps.clock.now();
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const reclaimed = await deps.store.reclaimStale(ago(CLAIM_LEASE_MS), BATCH, now);
  if (reclaimed.length) await queueDeliveries(deps, reclaimed);
  const busy = await deps.flow.busyExports();
  const overdue = await deps.store.overdue(ago(OVERDUE_MS), BATCH, busy);
  if (overdue.length) await queueDeliveries(deps, overdue);
  let nudged = 0;
  for (const exportId of busy) nudged += await nudge(deps, exportId);
  const usableAgain = await deps.store.exportsToResume(ago(PARKED_GRACE_MS));
  for (const exportId of usableAgain) await resumeParkedDeliveries(deps, exportId);

  const report = { requeued: overdue.length, reclaimed: reclaimed.length, resumedExports: usableAgain.length, nudged };
  if (reclaimed.length || usableAgain.length || nudged) deps.logger.info(report, 'delivery sweep recovered deliveries');
  return report;
}

/** Queues the waiting wake-ups an export has room for while nobody hands it on (their holders died). */
async function nudge(deps: SweepDeps, exportId: string): Promise<number> {
  const exp = await loadExportContext(deps, exportId);
  if (!exp) {
    await deps.flow.forget(exportId);
    return 0;
  }
  const wakes = await deps.flow.kick(exportId, flowLimits(exp));
  await queueDeliveryBatches(
    deps,
    wakes.map((w) => ({ id: w.deliveryId, attemptCount: w.attemptCount, exportId })),
    { idPrefix: 'nudge' },
  );
  return wakes.length;
}
