import type { Db } from '../db/client.ts';
import {
  type DeliveryBatch,
  type EngagementCursor,
  type EngagementScan,
  FINISHED_AUTHORIZATION_STATUSES,
  FINISHED_NOTIFICATION_STATUSES,
  type RetentionStatements,
} from './statements.ts';

// The retention statements on SQLite, through Prisma's connection: a Prisma transaction is counted
// by the transaction gate (apps/core/db/transaction-gate.ts), so the delivery store's connection
// waits for it instead of blocking on its write lock. Each batch is a few milliseconds of one
// writer's time. A batch's transaction starts with a DELETE, so it takes the write lock with its
// first statement (waiting on another process' lock like any write) and never upgrades a read.
// Every DELETE re-checks its condition: what changed since the ids were read stays.

/** DateTime as Prisma's SQLite adapter writes it (ISO 8601 with `+00:00`), so comparisons hold. */
const timestamp = (date: Date) => date.toISOString().replace('Z', '+00:00');
const text = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export function sqliteRetention(db: Db): RetentionStatements {
  const byAge = (table: string, condition: string) => `
    DELETE FROM "${table}" WHERE rowid IN (
      SELECT rowid FROM "${table}" WHERE ${condition} ORDER BY created_at LIMIT ?
    )`;
  const authorizationRequests = byAge(
    'authorization_requests',
    `created_at < ? AND (status IN (${text(FINISHED_AUTHORIZATION_STATUSES)}) OR expires_at < ?)`,
  );
  const notifications = byAge(
    'notification_outbox',
    `created_at < ? AND status IN (${text(FINISHED_NOTIFICATION_STATUSES)})`,
  );

  return {
    async deliveries(status, before, engagementsBefore, limit): Promise<DeliveryBatch> {
      const doomed = await db.$queryRawUnsafe<{ id: string; engagement_id: string }[]>(
        `SELECT id, engagement_id FROM "deliveries" WHERE status = ? AND updated_at < ? ORDER BY updated_at LIMIT ?`,
        status,
        timestamp(before),
        limit,
      );
      if (!doomed.length) return { deliveries: 0, attempts: 0, engagements: 0 };
      const ids = JSON.stringify(doomed.map((d) => d.id));
      const engagementIds = JSON.stringify([...new Set(doomed.map((d) => d.engagement_id))]);
      // `+` keeps SQLite from reading the (status, updated_at) index for these terms: with it, it
      // scanned every old row of the status for each batch instead of looking up the ids.
      const still = `id IN (SELECT value FROM json_each(?)) AND +status = ? AND +updated_at < ?`;
      // Attempts first, counted (their ON DELETE CASCADE would do it uncounted).
      return db.$transaction(async (tx) => {
        const attempts = await tx.$executeRawUnsafe(
          `DELETE FROM "delivery_attempts" WHERE delivery_id IN (SELECT id FROM "deliveries" WHERE ${still})`,
          ids,
          status,
          timestamp(before),
        );
        const deliveries = await tx.$executeRawUnsafe(
          `DELETE FROM "deliveries" WHERE ${still}`,
          ids,
          status,
          timestamp(before),
        );
        const engagements = await tx.$executeRawUnsafe(
          `DELETE FROM "engagements" WHERE id IN (SELECT value FROM json_each(?)) AND received_at < ?
             AND NOT EXISTS (SELECT 1 FROM "deliveries" AS d WHERE d.engagement_id = "engagements".id)`,
          engagementIds,
          timestamp(engagementsBefore),
        );
        return { deliveries, attempts, engagements };
      });
    },

    // Keyset over engagements_received_at_idx, whose entries end with the rowid, so
    // (received_at, rowid) is the index's own order and needs no sort.
    async engagements(cursor: EngagementCursor, before, limit): Promise<EngagementScan> {
      const after = { at: cursor?.at ?? '', key: Number(cursor?.key ?? -1) };
      // CAST: the text as stored (a DATETIME column would come back as a Date).
      const scanned = await db.$queryRawUnsafe<{ rid: number | bigint; at: string }[]>(
        `SELECT rowid AS rid, CAST(received_at AS TEXT) AS at FROM "engagements"
         WHERE received_at >= ? AND received_at < ? AND (received_at > ? OR rowid > ?)
         ORDER BY received_at, rowid LIMIT ?`,
        after.at,
        timestamp(before),
        after.at,
        after.key,
        limit,
      );
      if (!scanned.length) return { scanned: 0, deleted: 0, next: undefined };
      const deleted = await db.$executeRawUnsafe(
        `DELETE FROM "engagements" WHERE rowid IN (SELECT value FROM json_each(?)) AND received_at < ?
           AND NOT EXISTS (SELECT 1 FROM "deliveries" AS d WHERE d.engagement_id = "engagements".id)`,
        JSON.stringify(scanned.map((s) => Number(s.rid))),
        timestamp(before),
      );
      const last = scanned[scanned.length - 1] as { rid: number | bigint; at: string };
      return {
        scanned: scanned.length,
        deleted,
        next: scanned.length === limit ? { at: last.at, key: Number(last.rid) } : undefined,
      };
    },

    audit: (before, limit) => db.$executeRawUnsafe(byAge('audit_log', 'created_at < ?'), timestamp(before), limit),
    authorizationRequests: (before, now, limit) =>
      db.$executeRawUnsafe(authorizationRequests, timestamp(before), timestamp(now), limit),
    notifications: (before, limit) => db.$executeRawUnsafe(notifications, timestamp(before), limit),
  };
}
