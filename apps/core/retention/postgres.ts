import type { Db } from '../db/client.ts';
import {
  type DeliveryBatch,
  type EngagementCursor,
  type EngagementScan,
  FINISHED_AUTHORIZATION_STATUSES,
  FINISHED_NOTIFICATION_STATUSES,
  type RetentionStatements,
} from './statements.ts';

// The retention statements on PostgreSQL, through Prisma's raw queries (a few per second at most:
// Prisma's per-statement cost does not matter here). Each is one statement, so one short
// transaction. Rows are picked `FOR UPDATE SKIP LOCKED`: a row a delivery worker holds is left for
// the next sweep instead of waited for, and a row picked is locked, so a change committed before it
// (a failed delivery sent again) is seen and the row is not picked (PostgreSQL §13.2.1 on row
// locks under READ COMMITTED). Timestamps go in as ISO strings cast to the zoneless columns, as
// apps/core/deliveries/store/postgres/statements.ts explains.

const text = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');

export function postgresRetention(db: Db, schema: string | undefined): RetentionStatements {
  const t = (table: string) => (schema ? `"${schema.replaceAll('"', '""')}"."${table}"` : `"${table}"`);
  const deliveries = t('deliveries');
  const attempts = t('delivery_attempts');
  const engagements = t('engagements');
  const at = (date: Date) => date.toISOString();

  // Attempts are deleted here rather than by their ON DELETE CASCADE so that they are counted; the
  // cascade then finds nothing. An engagement goes in the same statement when every delivery it
  // still has is in this batch: the statement's snapshot still shows the batch's deliveries, so
  // its count of them equals the batch's (one index lookup each; NOT EXISTS … NOT IN (batch) was
  // planned as a scan of every delivery).
  const deliveryBatch = `
    WITH doomed AS (
      SELECT id, engagement_id FROM ${deliveries}
      WHERE status = $1 AND updated_at < $2::timestamp(3)
      ORDER BY updated_at LIMIT $3
      FOR UPDATE SKIP LOCKED
    ), gone_attempts AS (
      DELETE FROM ${attempts} a USING doomed d WHERE a.delivery_id = d.id RETURNING 1
    ), gone_deliveries AS (
      DELETE FROM ${deliveries} x USING doomed d WHERE x.id = d.id RETURNING 1
    ), gone_engagements AS (
      DELETE FROM ${engagements} e
      USING (SELECT engagement_id, count(*) AS n FROM doomed GROUP BY engagement_id) b
      WHERE e.id = b.engagement_id AND e.received_at < $4::timestamp(3)
        AND (SELECT count(*) FROM ${deliveries} o WHERE o.engagement_id = e.id) = b.n
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM gone_deliveries)::int AS deliveries,
      (SELECT count(*) FROM gone_attempts)::int AS attempts,
      (SELECT count(*) FROM gone_engagements)::int AS engagements`;

  // Keyset over engagements_received_at_idx in (received_at, id) order; the explicit
  // `received_at >= $1` lets the index bound the scan.
  const engagementScan = `
    WITH scanned AS (
      SELECT id, received_at FROM ${engagements}
      WHERE received_at >= $1::timestamp(3) AND received_at < $3::timestamp(3)
        AND (received_at > $1::timestamp(3) OR id > $2)
      ORDER BY received_at, id LIMIT $4
    ), gone AS (
      DELETE FROM ${engagements} e USING scanned s
      WHERE e.id = s.id AND NOT EXISTS (SELECT 1 FROM ${deliveries} d WHERE d.engagement_id = e.id)
      RETURNING 1
    ), last AS (
      SELECT received_at::text AS at, id FROM scanned ORDER BY received_at DESC, id DESC LIMIT 1
    )
    SELECT (SELECT count(*) FROM scanned)::int AS scanned, (SELECT count(*) FROM gone)::int AS deleted,
      (SELECT at FROM last) AS at, (SELECT id FROM last) AS id`;

  /** `DELETE … WHERE id IN (SELECT id … LIMIT n)` with the condition checked again on the row deleted. */
  const byAge = (table: string, condition: string) => `
    DELETE FROM ${t(table)} WHERE id IN (
      SELECT id FROM ${t(table)} WHERE ${condition} ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
    ) AND ${condition}`;
  const audit = byAge('audit_log', 'created_at < $1::timestamp(3)');
  const authorizationRequests = byAge(
    'authorization_requests',
    `created_at < $1::timestamp(3) AND (status IN (${text(FINISHED_AUTHORIZATION_STATUSES)}) OR expires_at < $3::timestamp(3))`,
  );
  const notifications = byAge(
    'notification_outbox',
    `created_at < $1::timestamp(3) AND status IN (${text(FINISHED_NOTIFICATION_STATUSES)})`,
  );

  return {
    async deliveries(status, before, engagementsBefore, limit): Promise<DeliveryBatch> {
      const [row] = await db.$queryRawUnsafe<DeliveryBatch[]>(
        deliveryBatch,
        status,
        at(before),
        limit,
        at(engagementsBefore),
      );
      return row ?? { deliveries: 0, attempts: 0, engagements: 0 };
    },
    async engagements(cursor: EngagementCursor, before, limit): Promise<EngagementScan> {
      const [row] = await db.$queryRawUnsafe<
        { scanned: number; deleted: number; at: string | null; id: string | null }[]
      >(engagementScan, cursor?.at ?? '-infinity', String(cursor?.key ?? ''), at(before), limit);
      const scanned = row?.scanned ?? 0;
      return {
        scanned,
        deleted: row?.deleted ?? 0,
        next: scanned === limit && row?.at && row.id ? { at: row.at, key: row.id } : undefined,
      };
    },
    audit: (before, limit) => db.$executeRawUnsafe(audit, at(before), limit),
    authorizationRequests: (before, now, limit) =>
      db.$executeRawUnsafe(authorizationRequests, at(before), limit, at(now)),
    notifications: (before, limit) => db.$executeRawUnsafe(notifications, at(before), limit),
  };
}
