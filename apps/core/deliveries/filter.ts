import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import type { DeliveryStatus } from './state.ts';

/** What the group-wide log (GET /v1/deliveries) and bulk retry select deliveries by. */
export interface DeliveryFilter {
  exportId?: string | undefined;
  statuses?: readonly DeliveryStatus[] | undefined;
  /** The engagement's id as the connector answered it (`eng_…`) or as the client posted it. */
  engagementId?: string | undefined;
  /** createdAt ≥ since. */
  since?: Date | undefined;
  /** createdAt < until. */
  until?: Date | undefined;
}

/**
 * The Prisma `where` of a filter within the caller's group, or null when nothing can match (an
 * engagement the group never received). An export that is not the group's is a 404, as on every
 * route that names one (docs/api/deliveries.md).
 */
export async function deliveryWhere(deps: Pick<Deps, 'db'>, groupId: string, filter: DeliveryFilter) {
  if (filter.exportId !== undefined) {
    const exp = await deps.db.export.findFirst({ where: { id: filter.exportId, groupId }, select: { id: true } });
    if (!exp) throw notFound('The export');
  }
  let engagementIds: string[] | undefined;
  if (filter.engagementId !== undefined) {
    // Either id names the engagement: the delivery shows the connector's, the client knows its own.
    const found = await deps.db.engagement.findMany({
      where: { groupId, OR: [{ id: filter.engagementId }, { externalId: filter.engagementId }] },
      select: { id: true },
    });
    if (!found.length) return null;
    engagementIds = found.map((e) => e.id);
  }
  const createdAt = {
    ...(filter.since ? { gte: filter.since } : {}),
    ...(filter.until ? { lt: filter.until } : {}),
  };
  return {
    groupId,
    ...(filter.exportId !== undefined ? { exportId: filter.exportId } : {}),
    ...(filter.statuses?.length ? { status: { in: [...filter.statuses] } } : {}),
    ...(engagementIds ? { engagementId: { in: engagementIds } } : {}),
    ...(filter.since || filter.until ? { createdAt } : {}),
  };
}
