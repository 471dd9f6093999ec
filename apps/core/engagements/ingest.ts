import type { Deps } from '../deps.ts';
import { GroupCommit } from '../deliveries/group-commit.ts';
import { queueDeliveryBatches } from '../deliveries/jobs.ts';
import { postgresPoolOf } from '../db/client.ts';
import { insertIngest, selectEnabledExports } from '../deliveries/postgres-hot-path.ts';
import { Prisma, tablesOf } from '../deliveries/sql.ts';
import { newId } from '../ids.ts';

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

type IngestDeps = Pick<Deps, 'db' | 'queues' | 'clock' | 'logger' | 'config'>;

interface IngestItem extends IncomingEngagement {
  groupId: string;
}

const writers = new WeakMap<object, GroupCommit<IngestItem, IngestResult>>();

/**
 * Takes a completed engagement: in one transaction the engagement and one delivery per enabled
 * export of the group; the delivery jobs are queued after the commit (a crash in between loses
 * nothing: the sweeper queues pending deliveries that have no job). Idempotent per group on the
 * engagement's id: the same id again creates nothing and answers what the first one made.
 * Engagements arriving together share one transaction (group commit).
 */
export function ingestEngagement(
  deps: IngestDeps,
  groupId: string,
  incoming: IncomingEngagement,
): Promise<IngestResult> {
  let writer = writers.get(deps.db);
  if (!writer) writers.set(deps.db, (writer = new GroupCommit((items) => ingestBatch(deps, items), 100)));
  return writer.submit({ groupId, ...incoming });
}

async function ingestBatch(deps: IngestDeps, items: IngestItem[]): Promise<IngestResult[]> {
  const t = tablesOf(deps);
  const now = deps.clock.now();
  // The same id twice in one batch: the first one is the engagement, the others its duplicates.
  const firstOf = new Map<string, IngestItem>();
  for (const item of items) {
    const key = JSON.stringify([item.groupId, item.externalId]);
    if (!firstOf.has(key)) firstOf.set(key, item);
  }
  const unique = [...firstOf.values()];
  const groupIds = [...new Set(unique.map((i) => i.groupId))];
  const pool = postgresPoolOf(deps.db);
  const exports = pool
    ? await selectEnabledExports(pool, t.names, groupIds)
    : await deps.db.$queryRaw<{ id: string; group_id: string }[]>`
        SELECT id, group_id FROM ${t.exports} WHERE enabled = ${true} AND group_id IN (${Prisma.join(groupIds)})`;
  const planned = unique.map((item) => {
    const engagementId = newId('eng');
    const deliveries = exports
      .filter((e) => e.group_id === item.groupId)
      .map((e) => ({ id: newId('dlv'), exportId: e.id, status: 'pending' }));
    return { item, engagementId, deliveries };
  });

  const inserted = await insertBatch(deps, planned, now);
  const fresh = planned.filter((p) => inserted.has(p.engagementId));
  try {
    await queueDeliveryBatches(
      deps,
      fresh.flatMap((p) => p.deliveries.map((d) => ({ id: d.id, attemptCount: 0 }))),
    );
  } catch (error) {
    // Committed is committed: the sweeper queues these shortly.
    deps.logger.warn({ err: error }, 'could not queue delivery jobs; the sweeper will');
  }
  const results = new Map<IngestItem, IngestResult>();
  for (const p of planned) {
    results.set(
      p.item,
      inserted.has(p.engagementId)
        ? { engagementId: p.engagementId, externalId: p.item.externalId, created: true, deliveries: p.deliveries }
        : await existing(deps, p.item.groupId, p.item.externalId),
    );
  }
  return items.map((item) => {
    const first = firstOf.get(JSON.stringify([item.groupId, item.externalId])) as IngestItem;
    const result = results.get(first) as IngestResult;
    return item === first ? result : { ...result, created: false };
  });
}

interface Planned {
  item: IngestItem;
  engagementId: string;
  deliveries: { id: string; exportId: string; status: string }[];
}

/**
 * Inserts the engagements that are new (ON CONFLICT DO NOTHING: an id already received, here or by
 * another process, is a duplicate) and the deliveries of those alone, atomically. Returns the ids
 * of the engagements inserted.
 */
async function insertBatch(deps: IngestDeps, planned: Planned[], now: Date): Promise<Set<string>> {
  const t = tablesOf(deps);
  const deliveries = planned.flatMap((p) =>
    p.deliveries.map((d) => ({ ...d, groupId: p.item.groupId, engagementId: p.engagementId })),
  );
  const pool = postgresPoolOf(deps.db);
  if (pool) {
    const engagements = planned.map((p) => ({ ...p.item, id: p.engagementId }));
    return insertIngest(pool, t.names, { engagements, deliveries }, now);
  }
  const engagementRows = Prisma.join(
    planned.map(
      (p) => Prisma.sql`(${p.engagementId}, ${p.item.groupId}, ${p.item.externalId}, ${p.item.json}, ${now})`,
    ),
  );
  const insertEngagements = Prisma.sql`
    INSERT INTO ${t.engagements} (id, group_id, external_id, payload, received_at) VALUES ${engagementRows}
    ON CONFLICT (group_id, external_id) DO NOTHING RETURNING id`;
  const deliveryColumns = Prisma.sql`(id, export_id, group_id, engagement_id, status, next_attempt_at, created_at, updated_at)`;

  // One batch transaction, no interactive one (which holds the only connection across awaits):
  // the deliveries join the engagements just inserted, so a duplicate's planned deliveries (its
  // engagement was not inserted; ids are fresh) are left out, as on PostgreSQL.
  const statements = [deps.db.$queryRaw<{ id: string }[]>(insertEngagements)];
  if (deliveries.length) {
    const values = Prisma.join(
      deliveries.map((d) => Prisma.sql`(${d.id}, ${d.exportId}, ${d.groupId}, ${d.engagementId})`),
    );
    statements.push(deps.db.$queryRaw<{ id: string }[]>`
      INSERT INTO ${t.deliveries} ${deliveryColumns}
      SELECT p.column1, p.column2, p.column3, p.column4, 'pending', ${now}, ${now}, ${now}
      FROM (VALUES ${values}) AS p JOIN ${t.engagements} AS e ON e.id = p.column4
      RETURNING id`);
  }
  const [created] = await deps.db.$transaction(statements);
  return new Set((created ?? []).map((r) => r.id));
}

async function existing(deps: Pick<Deps, 'db'>, groupId: string, externalId: string): Promise<IngestResult> {
  const engagement = await deps.db.engagement.findUniqueOrThrow({
    where: { groupId_externalId: { groupId, externalId } },
    select: {
      id: true,
      deliveries: { select: { id: true, exportId: true, status: true }, orderBy: { createdAt: 'asc' } },
    },
  });
  return { engagementId: engagement.id, externalId, created: false, deliveries: engagement.deliveries };
}
