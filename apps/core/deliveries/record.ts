import type { Deps } from '../deps.ts';
import { startCondition } from '../notifications/conditions.ts';
import { disableExport } from '../notifications/disable.ts';
import { noteSuccess } from '../notifications/success.ts';
import type { WebhookResult } from '../webhooks/send.ts';
import type { ClaimedDelivery } from './claim.ts';
import type { ExportContext } from './export-context.ts';
import { queueDeliveries } from './jobs.ts';
import type { Verdict } from './outcome.ts';
import { parseRetryAfter, retryDelayMs } from './schedule.ts';
import { type AttemptRow, type DeliveryUpdate, writeOutcome } from './write.ts';

export type { AttemptRow } from './write.ts';

type RecordDeps = Pick<
  Deps,
  | 'db'
  | 'store'
  | 'queues'
  | 'clock'
  | 'logger'
  | 'config'
  | 'outcomeWriter'
  | 'exportContexts'
  | 'metrics'
  | 'dispatcher'
  | 'secretBox'
  | 'notifications'
>;
type Final = Exclude<Verdict, { kind: 'unauthorized' }>;

/**
 * Records an attempt's verdict: delivered; back to pending at the schedule's next step (never
 * sooner than the receiver's Retry-After) or dead when the schedule is used up; failed for good;
 * and for 410 Gone, failed with the export disabled and its waiting deliveries parked. What it
 * means for the export's conditions follows (docs/notifications.md): a success ends them, a
 * delivery gone dead starts `failing`, a 410 starts `disabled`.
 */
export async function finishDelivery(
  deps: RecordDeps,
  delivery: ClaimedDelivery,
  exp: ExportContext,
  attempts: AttemptRow[],
  verdict: Final,
  last: WebhookResult,
): Promise<'delivered' | 'retry' | 'failed' | 'dead'> {
  const now = deps.clock.now();
  const lastStatusCode = last.kind === 'response' ? last.statusCode : null;
  // A 401 and the send after the refresh count as one step of the schedule.
  const scheduleIndex = delivery.scheduleIndex + 1;
  let outcome: 'delivered' | 'retry' | 'failed' | 'dead';
  let nextAttemptAt: Date | null = null;
  if (verdict.kind === 'delivered') outcome = 'delivered';
  else if (verdict.kind === 'retry') {
    const retryAfter = last.kind === 'response' ? parseRetryAfter(last.retryAfter, now) : undefined;
    const delay = retryDelayMs(exp.retryScheduleMs, scheduleIndex, retryAfter);
    outcome = delay === null ? 'dead' : 'retry';
    if (delay !== null) nextAttemptAt = new Date(now.getTime() + delay);
  } else outcome = 'failed';
  const lastError = verdict.kind === 'delivered' ? null : verdict.error;
  const attemptCount = await write(deps, delivery, attempts, {
    status: outcome === 'retry' ? 'pending' : outcome,
    scheduleIndex,
    nextAttemptAt,
    lastStatusCode,
    lastError,
  });
  if (nextAttemptAt)
    await queueDeliveries(deps, [{ id: delivery.id, exportId: delivery.exportId, attemptCount, nextAttemptAt }]);
  if (verdict.kind === 'gone') await disableGoneExport(deps, exp, verdict.error);
  if (outcome === 'delivered') await conditionsAfter(deps, exp, () => noteSuccess(deps, exp.id));
  else if (outcome === 'dead') {
    const attempts = `${attemptCount} attempt${attemptCount === 1 ? '' : 's'}`;
    const message = `Delivery ${delivery.id} was given up after ${attempts}: ${lastError}`;
    await conditionsAfter(deps, exp, () =>
      startCondition(deps, exp.id, 'failing', { reason: 'delivery_dead', message }),
    );
  }
  deps.metrics.deliveries.inc({ outcome });
  const fields = { ...deliveryLogFields(delivery), attemptCount, statusCode: lastStatusCode };
  if (outcome === 'delivered') deps.logger.debug(fields, 'delivered');
  else if (outcome === 'retry')
    deps.logger.info({ ...fields, nextAttemptAt, error: lastError }, 'delivery attempt failed; will retry');
  else deps.logger.warn({ ...fields, error: lastError }, `delivery ${outcome}`);
  return outcome;
}

/** Parks the delivery (no schedule step spent): it resumes when the export is authorized again. */
export async function parkDelivery(
  deps: RecordDeps,
  delivery: ClaimedDelivery,
  attempts: AttemptRow[],
  reason: string,
): Promise<'parked'> {
  await write(deps, delivery, attempts, { status: 'parked', nextAttemptAt: null, lastError: reason });
  deps.metrics.deliveries.inc({ outcome: 'parked' });
  deps.logger.info({ ...deliveryLogFields(delivery), reason }, 'delivery parked');
  return 'parked';
}

/** Sends the delivery again later (no schedule step spent): the token endpoint is failing for now. */
export async function postponeDelivery(
  deps: RecordDeps,
  delivery: ClaimedDelivery,
  attempts: AttemptRow[],
  reason: string,
  retryInMs: number,
): Promise<'postponed'> {
  const nextAttemptAt = new Date(deps.clock.now().getTime() + Math.max(1_000, retryInMs) * (1 + Math.random() * 0.2));
  const attemptCount = await write(deps, delivery, attempts, { status: 'pending', nextAttemptAt, lastError: reason });
  await queueDeliveries(deps, [{ id: delivery.id, exportId: delivery.exportId, attemptCount, nextAttemptAt }]);
  deps.metrics.deliveries.inc({ outcome: 'postponed' });
  deps.logger.debug({ ...deliveryLogFields(delivery), nextAttemptAt, reason }, 'delivery postponed');
  return 'postponed';
}

/**
 * What every log line about one delivery carries: the delivery, its export and group, and the id
 * of the HTTP request that made it (or last sent it again), so an operator can follow one request
 * from the API's log to the worker's. All of it comes from the claim's own statement.
 */
export function deliveryLogFields(delivery: ClaimedDelivery) {
  return {
    deliveryId: delivery.id,
    exportId: delivery.exportId,
    groupId: delivery.groupId,
    requestId: delivery.requestId,
    eventType: delivery.eventType,
  };
}

/** Writes the attempt rows and the delivery's new state; returns the new attempt count. */
async function write(deps: RecordDeps, delivery: ClaimedDelivery, attempts: AttemptRow[], update: DeliveryUpdate) {
  await writeOutcome(deps, { deliveryId: delivery.id, claimedAttemptCount: delivery.attemptCount, attempts, update });
  return delivery.attemptCount + attempts.length;
}

/** 410 Gone: the receiver says the webhook no longer exists. Stop sending until someone re-enables it. */
async function disableGoneExport(deps: RecordDeps, exp: ExportContext, error: string): Promise<void> {
  const message = `The webhook answered 410 Gone on ${deps.clock.now().toISOString()} (${error}); enable the export again once the receiver is back`;
  await conditionsAfter(deps, exp, () => disableExport(deps, exp, { reason: 'webhook_gone', message }));
}

/**
 * Runs what an outcome means for the export's conditions once the outcome itself is written: a
 * failure there (the database busy a moment) is logged, never turned into a failed delivery.
 */
async function conditionsAfter(deps: RecordDeps, exp: ExportContext, change: () => Promise<unknown>): Promise<void> {
  try {
    await change();
  } catch (error) {
    deps.logger.error({ err: error, exportId: exp.id }, 'recording an export condition failed');
  }
}
