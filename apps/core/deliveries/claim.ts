import type { Deps } from '../deps.ts';
import { GroupCommit } from './group-commit.ts';
import type { JobKey } from './jobs.ts';
import { Prisma, tablesOf } from './sql.ts';

/** A delivery this worker now holds (`delivering`), with what it needs to build the webhook. */
export interface ClaimedDelivery {
  id: string;
  exportId: string;
  attemptCount: number;
  scheduleIndex: number;
  engagement: { payload: string; receivedAt: Date };
}

interface ClaimRequest {
  deliveryId: string;
  attemptCount: number;
  rerun: boolean;
}

type ClaimDeps = Pick<Deps, 'db' | 'config' | 'clock'>;

const claimers = new WeakMap<object, GroupCommit<ClaimRequest, ClaimedDelivery | null>>();

/**
 * Takes a delivery for one attempt, only if the row is still pending at the attempt count the job
 * was queued for: a stale or duplicate wake-up does nothing, and a wake-up for an earlier attempt
 * cannot cut a retry's backoff short. A job BullMQ runs again after its worker died (`rerun`)
 * may take back a row it had already claimed (`delivering`): the job id names that attempt, so no
 * other job can hold it. Concurrent claims share one UPDATE … RETURNING (group commit).
 */
export function claimDelivery(deps: ClaimDeps, key: JobKey, rerun: boolean): Promise<ClaimedDelivery | null> {
  let claimer = claimers.get(deps.db);
  if (!claimer) claimers.set(deps.db, (claimer = new GroupCommit((items) => claimBatch(deps, items))));
  return claimer.submit({ deliveryId: key.deliveryId, attemptCount: key.attemptCount, rerun });
}

interface ClaimedRow {
  id: string;
  export_id: string;
  engagement_id: string;
  attempt_count: number;
  schedule_index: number;
  /** The engagement, returned with the claim (one round trip on both databases). */
  payload?: string | null;
  /** A Date on PostgreSQL; SQLite's subquery gives the stored ISO text. */
  received_at?: Date | string | null;
}

async function claimBatch(deps: ClaimDeps, items: ClaimRequest[]): Promise<(ClaimedDelivery | null)[]> {
  const t = tablesOf(deps);
  const now = deps.clock.now();
  const rows: ClaimedRow[] = [];
  for (const rerun of [false, true]) {
    const group = items.filter((i) => i.rerun === rerun);
    if (!group.length) continue;
    const match = Prisma.join(
      group.map((i) => Prisma.sql`(d.id = ${i.deliveryId} AND d.attempt_count = ${i.attemptCount})`),
      ' OR ',
    );
    const statuses = rerun ? Prisma.sql`d.status IN ('pending', 'delivering')` : Prisma.sql`d.status = 'pending'`;
    rows.push(
      ...(t.provider === 'postgresql'
        ? await deps.db.$queryRaw<ClaimedRow[]>`
            UPDATE ${t.deliveries} AS d SET status = 'delivering', updated_at = ${now}
            FROM ${t.engagements} AS e
            WHERE e.id = d.engagement_id AND (${match}) AND ${statuses}
            RETURNING d.id, d.export_id, d.engagement_id, d.attempt_count, d.schedule_index, e.payload, e.received_at`
        : // SQLite's RETURNING cannot name a joined table, but scalar subqueries may read one. They
          // cannot see the alias `d`: `engagement_id` (no column of engagements) is the delivery's.
          await deps.db.$queryRaw<ClaimedRow[]>`
            UPDATE ${t.deliveries} AS d SET status = 'delivering', updated_at = ${now}
            WHERE (${match}) AND ${statuses}
            RETURNING id, export_id, engagement_id, attempt_count, schedule_index,
              (SELECT e.payload FROM ${t.engagements} AS e WHERE e.id = engagement_id) AS payload,
              (SELECT e.received_at FROM ${t.engagements} AS e WHERE e.id = engagement_id) AS received_at`),
    );
  }
  if (!rows.length) return items.map(() => null);
  const payloads = new Map<string, { payload: string; received_at: Date | string }>();
  for (const row of rows) {
    if (row.payload != null && row.received_at != null) {
      payloads.set(row.engagement_id, { payload: row.payload, received_at: row.received_at });
    }
  }
  // An engagement the claim did not return (none expected): read it.
  const missing = [...new Set(rows.map((r) => r.engagement_id))].filter((id) => !payloads.has(id));
  if (missing.length) {
    const engagements = await deps.db.$queryRaw<{ id: string; payload: string; received_at: Date }[]>`
      SELECT id, payload, received_at FROM ${t.engagements} WHERE id IN (${Prisma.join(missing)})`;
    for (const e of engagements) payloads.set(e.id, e);
  }
  const claimed = new Map(rows.map((r) => [r.id, r]));
  return items.map((item) => {
    const row = claimed.get(item.deliveryId);
    const engagement = row && payloads.get(row.engagement_id);
    if (!row || !engagement) return null;
    // Two wake-ups for the same delivery in one batch: only the first one gets it.
    claimed.delete(item.deliveryId);
    return {
      id: row.id,
      exportId: row.export_id,
      attemptCount: Number(row.attempt_count),
      scheduleIndex: Number(row.schedule_index),
      engagement: { payload: engagement.payload, receivedAt: new Date(engagement.received_at) },
    };
  });
}
