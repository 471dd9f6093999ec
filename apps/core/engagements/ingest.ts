import type { Deps } from '../deps.ts';
import { isUniqueViolation } from '../groups/unique-violation.ts';
import { newId } from '../ids.ts';
import { queueDeliveries } from '../deliveries/jobs.ts';

/** A completed engagement as received: the customer's id and the exact JSON text of the body. */
export interface IncomingEngagement {
  externalId: string;
  json: string;
}

export interface IngestResult {
  engagementId: string;
  externalId: string;
  /** False when this id was already received in this group (nothing new was created). */
  created: boolean;
  deliveries: { id: string; exportId: string; status: string }[];
}

/**
 * Takes a completed engagement: in one transaction the engagement and one delivery per enabled
 * export of the group; the delivery jobs are queued after the commit (a crash in between loses
 * nothing: the sweeper queues pending deliveries that have no job). Idempotent per group on the
 * engagement's id: the same id again creates nothing and answers what the first one made.
 */
export async function ingestEngagement(
  deps: Pick<Deps, 'db' | 'queues' | 'clock' | 'logger'>,
  groupId: string,
  incoming: IncomingEngagement,
): Promise<IngestResult> {
  const exports = await deps.db.export.findMany({ where: { groupId, enabled: true }, select: { id: true } });
  const now = deps.clock.now();
  const engagementId = newId('eng');
  const deliveries = exports.map((exp) => ({
    id: newId('dlv'),
    exportId: exp.id,
    groupId,
    engagementId,
    status: 'pending',
    nextAttemptAt: now,
    createdAt: now,
  }));
  try {
    await deps.db.$transaction([
      deps.db.engagement.create({
        data: { id: engagementId, groupId, externalId: incoming.externalId, payload: incoming.json, receivedAt: now },
      }),
      deps.db.delivery.createMany({ data: deliveries }),
    ]);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return existing(deps, groupId, incoming.externalId);
  }
  try {
    await queueDeliveries(
      deps,
      deliveries.map((d) => ({ id: d.id, attemptCount: 0, nextAttemptAt: now })),
    );
  } catch (error) {
    // Committed is committed: the sweeper queues these within a minute.
    deps.logger.warn({ err: error, engagementId }, 'could not queue delivery jobs; the sweeper will');
  }
  return {
    engagementId,
    externalId: incoming.externalId,
    created: true,
    deliveries: deliveries.map((d) => ({ id: d.id, exportId: d.exportId, status: d.status })),
  };
}

async function existing(deps: Pick<Deps, 'db'>, groupId: string, externalId: string): Promise<IngestResult> {
  const engagement = await deps.db.engagement.findUniqueOrThrow({
    where: { groupId_externalId: { groupId, externalId } },
    select: { id: true, deliveries: { select: { id: true, exportId: true, status: true }, orderBy: { createdAt: 'asc' } } },
  });
  return { engagementId: engagement.id, externalId, created: false, deliveries: engagement.deliveries };
}
