import { recordAudit } from '../audit.ts';
import type { Caller } from '../auth/caller.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { queueDeliveries, queueDeliveryBatches } from './jobs.ts';
import { isRetryableStatus, type RetryableStatus } from './state.ts';

/** Deliveries an operator may send again: they stopped for good (state.ts). */
export { RETRYABLE_STATUSES, type RetryableStatus } from './state.ts';

const BATCH = 500;

/**
 * Sends one failed or dead delivery again now, with a fresh round of the retry schedule (its
 * attempt count keeps counting). Only within the caller's group: 404 otherwise.
 */
export async function retryDelivery(
  deps: Pick<Deps, 'db' | 'queues' | 'clock'>,
  who: Caller,
  deliveryId: string,
  requestId: string | null = null,
) {
  const row = await deps.db.delivery.findFirst({ where: { id: deliveryId, groupId: who.groupId } });
  if (!row) throw notFound('The delivery');
  if (!isRetryableStatus(row.status)) {
    throw new AppError(
      'DELIVERY_NOT_RETRYABLE',
      `Only failed or dead deliveries can be retried; this one is ${row.status}`,
      409,
    );
  }
  const now = deps.clock.now();
  const { count } = await deps.db.delivery.updateMany({
    where: { id: row.id, status: row.status, attemptCount: row.attemptCount },
    data: { status: 'pending', scheduleIndex: 0, nextAttemptAt: now, requestId },
  });
  if (!count) throw new AppError('DELIVERY_CHANGED', 'The delivery changed meanwhile; read it again', 409);
  // The answer is the state the retry wrote: a worker may already be sending it by the time we answer.
  const retried = { ...row, status: 'pending', scheduleIndex: 0, nextAttemptAt: now, requestId };
  await queueDeliveries(deps, [
    { id: row.id, attemptCount: row.attemptCount, nextAttemptAt: now, exportId: row.exportId },
  ]);
  await recordAudit(deps.db, {
    groupId: who.groupId,
    actorType: who.kind,
    actorId: who.id,
    action: 'delivery.retry',
    targetType: 'delivery',
    targetId: row.id,
    outcome: 'success',
    ip: who.ip,
  });
  return retried;
}

/**
 * Replay: sends again every delivery of an export created since a time that ended in one of the
 * given statuses (failed, dead), oldest first, each with a fresh round of the retry schedule.
 * Walks by creation time, so a delivery that fails again during the replay is not picked twice.
 */
export async function replayDeliveries(
  deps: Pick<Deps, 'db' | 'queues' | 'clock'>,
  who: Caller,
  exportId: string,
  options: { since: Date; statuses: readonly RetryableStatus[]; requestId?: string | null },
): Promise<number> {
  const exp = await deps.db.export.findFirst({ where: { id: exportId, groupId: who.groupId }, select: { id: true } });
  if (!exp) throw notFound('The export');
  const statuses = [...options.statuses];
  let after: { createdAt: Date; id: string } | undefined;
  let replayed = 0;
  for (;;) {
    const rows = await deps.db.delivery.findMany({
      where: {
        exportId,
        status: { in: statuses },
        createdAt: { gte: options.since },
        ...(after
          ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] }
          : {}),
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: BATCH,
      select: { id: true, attemptCount: true, createdAt: true },
    });
    if (!rows.length) break;
    const now = deps.clock.now();
    const { count } = await deps.db.delivery.updateMany({
      where: { id: { in: rows.map((r) => r.id) }, status: { in: statuses } },
      data: { status: 'pending', scheduleIndex: 0, nextAttemptAt: now, requestId: options.requestId ?? null },
    });
    replayed += count;
    await queueDeliveryBatches(
      deps,
      rows.map((r) => ({ id: r.id, attemptCount: r.attemptCount, exportId })),
    );
    const last = rows[rows.length - 1] as (typeof rows)[number];
    after = { createdAt: last.createdAt, id: last.id };
    if (rows.length < BATCH) break;
  }
  await recordAudit(deps.db, {
    groupId: who.groupId,
    actorType: who.kind,
    actorId: who.id,
    action: 'delivery.replay',
    targetType: 'export',
    targetId: exportId,
    outcome: 'success',
    ip: who.ip,
    details: { since: options.since.toISOString(), statuses, replayed },
  });
  return replayed;
}
