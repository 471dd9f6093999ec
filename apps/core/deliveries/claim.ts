import type { Deps } from '../deps.ts';
import { GroupCommit } from './group-commit.ts';
import type { JobKey } from './jobs.ts';
import { postgresPoolOf } from '../db/client.ts';
import { type ClaimedRow, claimRows } from './postgres-hot-path.ts';
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
export function claimDelivery(
  deps: ClaimDeps,
  key: Pick<JobKey, 'deliveryId' | 'attemptCount'>,
  rerun: boolean,
): Promise<ClaimedDelivery | null> {
  let claimer = claimers.get(deps.db);
  if (!claimer) claimers.set(deps.db, (claimer = new GroupCommit((items) => claimBatch(deps, items))));
  return claimer.submit({ deliveryId: key.deliveryId, attemptCount: key.attemptCount, rerun });
}

async function claimBatch(deps: ClaimDeps, items: ClaimRequest[]): Promise<(ClaimedDelivery | null)[]> {
  const t = tablesOf(deps);
  const now = deps.clock.now();
  const pool = postgresPoolOf(deps.db);
  const rows = pool ? await claimRows(pool, t.names, items, now) : await claimOnSqlite(deps, items, now);
  if (!rows.length) return items.map(() => null);
  const claimed = new Map(rows.map((r) => [r.id, r]));
  return items.map((item) => {
    const row = claimed.get(item.deliveryId);
    if (!row) return null;
    // Two wake-ups for the same delivery in one batch: only the first one gets it.
    claimed.delete(item.deliveryId);
    return {
      id: row.id,
      exportId: row.export_id,
      attemptCount: Number(row.attempt_count),
      scheduleIndex: Number(row.schedule_index),
      engagement: { payload: row.payload, receivedAt: new Date(row.received_at) },
    };
  });
}

/**
 * SQLite: one UPDATE … RETURNING per kind of wake-up. RETURNING cannot name a joined table, but
 * scalar subqueries may read one; they cannot see the alias `d`, so `engagement_id` (no column of
 * engagements) is the delivery's.
 */
async function claimOnSqlite(deps: ClaimDeps, items: ClaimRequest[], now: Date): Promise<ClaimedRow[]> {
  const t = tablesOf(deps);
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
      ...(await deps.db.$queryRaw<ClaimedRow[]>`
        UPDATE ${t.deliveries} AS d SET status = 'delivering', updated_at = ${now}
        WHERE (${match}) AND ${statuses}
        RETURNING id, export_id, attempt_count, schedule_index,
          (SELECT e.payload FROM ${t.engagements} AS e WHERE e.id = engagement_id) AS payload,
          (SELECT e.received_at FROM ${t.engagements} AS e WHERE e.id = engagement_id) AS received_at`),
    );
  }
  return rows;
}
