import type { Deps } from '../deps.ts';
import type { NewEngagement } from '../deliveries/postgres-hot-path.ts';
import { Prisma, tablesOf } from '../deliveries/sql.ts';
import { newId } from '../ids.ts';

/**
 * SQLite's ingest (PostgreSQL's is one prepared statement, postgres-hot-path.ts): reads the
 * groups' enabled exports, then inserts the engagements not received before and one delivery per
 * export for those alone, in one batch transaction. Returns the deliveries of each engagement inserted.
 */
export async function insertIngestOnSqlite(
  deps: Pick<Deps, 'db' | 'config'>,
  engagements: NewEngagement[],
  now: Date,
): Promise<Map<string, { id: string; exportId: string }[]>> {
  const t = tablesOf(deps);
  const groupIds = [...new Set(engagements.map((e) => e.groupId))];
  const exports = await deps.db.$queryRaw<{ id: string; group_id: string }[]>`
    SELECT id, group_id FROM ${t.exports} WHERE enabled = ${true} AND group_id IN (${Prisma.join(groupIds)})`;
  const planned = engagements.map((e) => ({
    ...e,
    deliveries: exports.filter((x) => x.group_id === e.groupId).map((x) => ({ id: newId('dlv'), exportId: x.id })),
  }));
  const insertEngagements = Prisma.sql`
    INSERT INTO ${t.engagements} (id, group_id, external_id, payload, received_at)
    VALUES ${Prisma.join(planned.map((e) => Prisma.sql`(${e.id}, ${e.groupId}, ${e.externalId}, ${e.json}, ${now})`))}
    ON CONFLICT (group_id, external_id) DO NOTHING RETURNING id`;
  // One batch transaction, no interactive one (which holds the only connection across awaits):
  // the deliveries join the engagements just inserted, so a duplicate's planned deliveries (its
  // engagement was not inserted; ids are fresh) are left out.
  const statements = [deps.db.$queryRaw<{ id: string }[]>(insertEngagements)];
  const deliveries = planned.flatMap((e) =>
    e.deliveries.map((d) => ({ ...d, groupId: e.groupId, engagementId: e.id })),
  );
  if (deliveries.length) {
    const values = Prisma.join(
      deliveries.map((d) => Prisma.sql`(${d.id}, ${d.exportId}, ${d.groupId}, ${d.engagementId})`),
    );
    statements.push(deps.db.$queryRaw<{ id: string }[]>`
      INSERT INTO ${t.deliveries} (id, export_id, group_id, engagement_id, status, next_attempt_at, created_at, updated_at)
      SELECT p.column1, p.column2, p.column3, p.column4, 'pending', ${now}, ${now}, ${now}
      FROM (VALUES ${values}) AS p JOIN ${t.engagements} AS e ON e.id = p.column4
      RETURNING id`);
  }
  const [inserted] = await deps.db.$transaction(statements);
  const insertedIds = new Set((inserted ?? []).map((r) => r.id));
  return new Map(planned.filter((e) => insertedIds.has(e.id)).map((e) => [e.id, e.deliveries]));
}
