import { recordAudit } from '../audit.ts';
import { auditActor, type Caller } from '../auth/caller.ts';
import type { Deps } from '../deps.ts';
import { type DeliveryFilter, deliveryWhere } from './filter.ts';
import { queueDeliveryBatches } from './jobs.ts';
import { RETRYABLE_STATUSES, type RetryableStatus } from './state.ts';

/** At most this many deliveries are sent again by one call; the answer says `truncated` when more matched. */
export const BULK_RETRY_LIMIT = 10_000;
const BATCH = 500;

export interface BulkRetryFilter extends Omit<DeliveryFilter, 'statuses'> {
  statuses?: readonly RetryableStatus[] | undefined;
}

/**
 * Bulk retry (POST /v1/deliveries/retry): every failed or dead delivery of the caller's group that
 * matches the filter, sent again as a retry sends one (retry.ts: the same delivery and webhook-id,
 * a fresh round of the retry schedule, attempts counting on), oldest first, at most
 * BULK_RETRY_LIMIT per call. Walks by creation time, so one that fails again meanwhile is not
 * picked twice; `truncated` says that more matched than were taken (call again for the rest).
 */
export async function retryMatching(
  deps: Pick<Deps, 'db' | 'queues' | 'clock'>,
  who: Caller,
  filter: BulkRetryFilter,
  requestId: string | null,
): Promise<{ retried: number; truncated: boolean }> {
  const statuses = [...(filter.statuses?.length ? filter.statuses : RETRYABLE_STATUSES)];
  const where = await deliveryWhere(deps, who.groupId, { ...filter, statuses });
  let retried = 0;
  let taken = 0;
  let after: { createdAt: Date; id: string } | undefined;
  while (where && taken < BULK_RETRY_LIMIT) {
    const rows = await deps.db.delivery.findMany({
      where: { AND: [where, laterThan(after)] },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: Math.min(BATCH, BULK_RETRY_LIMIT - taken),
      select: { id: true, exportId: true, attemptCount: true, createdAt: true },
    });
    if (!rows.length) break;
    taken += rows.length;
    const { count } = await deps.db.delivery.updateMany({
      where: { id: { in: rows.map((r) => r.id) }, status: { in: statuses } },
      data: { status: 'pending', scheduleIndex: 0, nextAttemptAt: deps.clock.now(), requestId },
    });
    retried += count;
    await queueDeliveryBatches(
      deps,
      rows.map((r) => ({ id: r.id, attemptCount: r.attemptCount, exportId: r.exportId })),
    );
    const last = rows[rows.length - 1] as (typeof rows)[number];
    after = { createdAt: last.createdAt, id: last.id };
    if (rows.length < BATCH) break;
  }
  // Stopped at the limit: whether anything matching is left beyond it.
  const truncated =
    where !== null &&
    taken >= BULK_RETRY_LIMIT &&
    (await deps.db.delivery.findFirst({ where: { AND: [where, laterThan(after)] }, select: { id: true } })) !== null;
  await recordAudit(deps.db, {
    groupId: who.groupId,
    ...auditActor(who),
    action: 'delivery.bulk_retry',
    targetType: filter.exportId ? 'export' : 'group',
    targetId: filter.exportId ?? who.groupId,
    outcome: 'success',
    details: {
      statuses,
      ...(filter.engagementId ? { engagementId: filter.engagementId } : {}),
      ...(filter.since ? { since: filter.since.toISOString() } : {}),
      ...(filter.until ? { until: filter.until.toISOString() } : {}),
      retried,
      truncated,
    },
  });
  return { retried, truncated };
}

/** Rows after a position in oldest-first order (none given: every row). */
function laterThan(position: { createdAt: Date; id: string } | undefined) {
  if (!position) return {};
  return {
    OR: [{ createdAt: { gt: position.createdAt } }, { createdAt: position.createdAt, id: { gt: position.id } }],
  };
}
