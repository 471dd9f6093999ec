import type { Deps } from '../deps.ts';
import { afterCursor, newestFirst, type Page, toPage } from '../pagination.ts';
import { type DeliveryFilter, deliveryWhere } from './filter.ts';
import { deliveryView, type DeliveryView, orderedHead, waitingFor } from './queries.ts';

/** A log item also names its export and the engagement's id as posted, which is what people search by. */
export type LogItem = DeliveryView & { exportName: string; postedEngagementId: string };

/**
 * The caller's group's delivery log across exports, newest first (GET /v1/deliveries), read
 * through deliveries_group_id_created_at_idx (migration 0012). Each item names its export.
 */
export async function listGroupDeliveries(
  deps: Pick<Deps, 'db'>,
  groupId: string,
  filter: DeliveryFilter,
  page: { cursor?: string | undefined; limit: number },
): Promise<Page<LogItem>> {
  const where = await deliveryWhere(deps, groupId, filter);
  if (!where) return { items: [], nextCursor: null };
  const cursor = afterCursor(page.cursor);
  const rows = await deps.db.delivery.findMany({
    // Both parts may carry an OR (the cursor's, none of the filter's): AND keeps them apart.
    where: { AND: [where, cursor] },
    orderBy: newestFirst,
    take: page.limit + 1,
    include: { export: { select: { name: true, ordered: true } }, engagement: { select: { externalId: true } } },
  });
  // The heads of the ordered exports with a pending delivery on this page: one query per such export.
  const orderedExports = new Set(
    rows.slice(0, page.limit).flatMap((r) => (r.export.ordered && r.status === 'pending' ? [r.exportId] : [])),
  );
  const heads = new Map(
    await Promise.all([...orderedExports].map(async (id) => [id, await orderedHead(deps, id)] as const)),
  );
  return toPage(rows, page.limit, (row) => ({
    ...deliveryView(row, waitingFor(row, heads.get(row.exportId) ?? null)),
    exportName: row.export.name,
    postedEngagementId: row.engagement.externalId,
  }));
}
