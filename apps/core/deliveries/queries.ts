import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { afterCursor, newestFirst, type Page, toPage } from '../pagination.ts';

import type { DeliveryStatus } from './state.ts';

/** Every status a delivery can have (docs/api/deliveries.md); the state machine is state.ts. */
export { DELIVERY_STATUSES, type DeliveryStatus } from './state.ts';

interface DeliveryRow {
  id: string;
  exportId: string;
  engagementId: string;
  status: string;
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** A delivery as the API shows it; its `id` is the `webhook-id` the receiver sees. */
export function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    exportId: row.exportId,
    engagementId: row.engagementId,
    status: row.status,
    attemptCount: row.attemptCount,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    // Only a pending delivery is waiting for a time (state.ts).
    nextAttemptAt: row.status === 'pending' ? (row.nextAttemptAt?.toISOString() ?? null) : null,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
  };
}
export type DeliveryView = ReturnType<typeof deliveryView>;

/** An export's delivery log, newest first; 404 when the export is not the caller's group's. */
export async function listExportDeliveries(
  deps: Pick<Deps, 'db'>,
  groupId: string,
  exportId: string,
  query: { status?: DeliveryStatus | undefined; cursor?: string | undefined; limit: number },
): Promise<Page<DeliveryView>> {
  const exp = await deps.db.export.findFirst({ where: { id: exportId, groupId }, select: { id: true } });
  if (!exp) throw notFound('The export');
  const rows = await deps.db.delivery.findMany({
    where: { exportId, ...(query.status ? { status: query.status } : {}), ...afterCursor(query.cursor) },
    orderBy: newestFirst,
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, deliveryView);
}

/** One delivery with its attempts (oldest first); 404 when it is not the caller's group's. */
export async function getDelivery(deps: Pick<Deps, 'db'>, groupId: string, deliveryId: string) {
  const row = await deps.db.delivery.findFirst({
    where: { id: deliveryId, groupId },
    include: { attempts: { orderBy: { attempt: 'asc' } } },
  });
  if (!row) throw notFound('The delivery');
  return {
    ...deliveryView(row),
    attempts: row.attempts.map((a) => ({
      attempt: a.attempt,
      startedAt: a.startedAt.toISOString(),
      statusCode: a.statusCode,
      durationMs: a.durationMs,
      error: a.error,
      responseSnippet: a.responseSnippet,
    })),
  };
}
