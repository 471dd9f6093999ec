import type { Clock } from '../clock.ts';
import { DATABASE_CONNECT_TIMEOUT_MS, isDatabaseUnavailable } from '../db/client.ts';
import { GroupCommit } from '../deliveries/group-commit.ts';
import { queueDeliveryBatches } from '../deliveries/jobs.ts';
import { deliveryIdFor } from '../deliveries/store/delivery-id.ts';
import type { DeliveryStore, EngagementDelivery, NewEngagement } from '../deliveries/store/delivery-store.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../logger.ts';
import type { Queues } from '../queues.ts';

/** A completed engagement as received: the customer's id and the exact JSON text of the body. */
export interface IncomingEngagement {
  externalId: string;
  json: string;
  /** The id of the HTTP request that posted it (apps/http/request-id.ts), kept on its deliveries. */
  requestId?: string | null;
}

export interface IngestResult {
  engagementId: string;
  externalId: string;
  /** False when this id was already received in this group (nothing new was created). */
  created: boolean;
  /** One per enabled export of the group, by export id: a repeat answers them in the same order. */
  deliveries: EngagementDelivery[];
}

interface IngestItem extends IncomingEngagement {
  groupId: string;
}

/** Engagements of this process arriving together, sharing one transaction (built by the composition root). */
export type Ingester = GroupCommit<IngestItem, IngestResult>;

interface IngestParts {
  store: DeliveryStore;
  queues: Queues;
  clock: Clock;
  logger: Logger;
}

export function createIngester(parts: IngestParts): Ingester {
  return new GroupCommit(
    failingFastWhileUnreachable((items) => ingestBatch(parts, items)),
    100,
  );
}

/**
 * The group commit's flush, failing at once for a while after the database was found unreachable.
 * When a batch fails, GroupCommit flushes its items again one by one (group-commit.ts); with the
 * database not answering, each of those, and every batch queued behind them, would wait out the
 * pool's connect timeout in turn (db/client.ts): of ten engagements posted together, the last
 * would wait ten of them, far past the 2 s docs/operations.md promises (measured: no answer within 2 s). So for one
 * connect timeout after such a failure, flushes fail with that same error without trying, and the
 * next flush tries the database again.
 */
function failingFastWhileUnreachable(
  flush: (items: IngestItem[]) => Promise<IngestResult[]>,
): (items: IngestItem[]) => Promise<IngestResult[]> {
  let unreachable: { error: unknown; until: number } | undefined;
  return async (items) => {
    if (unreachable && performance.now() < unreachable.until) throw unreachable.error;
    try {
      const results = await flush(items);
      unreachable = undefined;
      return results;
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        unreachable = { error, until: performance.now() + DATABASE_CONNECT_TIMEOUT_MS };
      }
      throw error;
    }
  };
}

/**
 * Takes a completed engagement: in one transaction the engagement and one delivery per enabled
 * export of the group; the delivery jobs are queued after the commit (a crash in between loses
 * nothing: the sweeper queues pending deliveries that have no job). Idempotent per group on the
 * engagement's id: the same id again creates nothing and answers what the first one made.
 * Engagements arriving together share one transaction (group commit).
 */
export function ingestEngagement(
  deps: { ingester: Ingester },
  groupId: string,
  incoming: IncomingEngagement,
): Promise<IngestResult> {
  return deps.ingester.submit({ groupId, ...incoming });
}

async function ingestBatch(parts: IngestParts, items: IngestItem[]): Promise<IngestResult[]> {
  const now = parts.clock.now();
  // The same id twice in one batch: the first one is the engagement, the others its duplicates.
  const keyOf = (item: IngestItem) => JSON.stringify([item.groupId, item.externalId]);
  const byKey = new Map<string, { first: IngestItem; engagement: NewEngagement }>();
  for (const item of items) {
    const key = keyOf(item);
    if (!byKey.has(key)) byKey.set(key, { first: item, engagement: { ...item, id: newId('eng') } });
  }
  const planned = [...byKey.values()].map((p) => p.engagement);
  const created = await parts.store.ingest(planned, now);
  try {
    await queueDeliveryBatches(
      parts,
      // In the order the engagements arrived.
      planned.flatMap((e) =>
        (created.get(e.id) ?? []).map((d) => ({ id: d.id, attemptCount: 0, exportId: d.exportId })),
      ),
    );
  } catch (error) {
    // Committed is committed: the sweeper queues these shortly.
    parts.logger.warn({ err: error }, 'could not queue delivery jobs; the sweeper will');
  }
  const results = new Map<string, IngestResult>();
  for (const p of planned) {
    const deliveries = created.get(p.id);
    results.set(
      p.id,
      deliveries
        ? { engagementId: p.id, externalId: p.externalId, created: true, deliveries }
        : await existing(parts.store, p.groupId, p.externalId),
    );
  }
  return items.map((item) => {
    const { first, engagement } = byKey.get(keyOf(item)) as { first: IngestItem; engagement: NewEngagement };
    const result = results.get(engagement.id) as IngestResult;
    return item === first ? result : { ...result, created: false };
  });
}

async function existing(store: DeliveryStore, groupId: string, externalId: string): Promise<IngestResult> {
  const found = await store.findEngagement(groupId, externalId);
  // Not inserted because it exists: it cannot be missing now (engagements are never deleted alone).
  if (!found) throw new Error(`engagement ${externalId} of group ${groupId} was neither inserted nor found`);
  // The deliveries ingest made (their ids follow store/delivery-id.ts), not later resends.
  const deliveries = found.deliveries.filter((d) => d.id === deliveryIdFor(found.id, d.exportId));
  return { engagementId: found.id, externalId, created: false, deliveries };
}
