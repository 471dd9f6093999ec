import type Database from 'better-sqlite3';
import { newId } from '../ids.ts';
import type { ClaimedRow, ClaimKey, NewEngagement, OutcomeRow } from './hot-path-rows.ts';

// SQLite's side of the delivery hot path (ingest, claim, outcome), as better-sqlite3 statements
// prepared once per connection, on the connection Prisma's adapter opened (db/client.ts). Through
// Prisma each raw statement is compiled again and prepared again (≈ 230 µs of CPU each, measured);
// a prepared statement runs in a few µs. The calls are synchronous, so a batch's statements run as
// one transaction with nothing else of this process in between. Transactions begin IMMEDIATE:
// one that read first and wrote second would fail at once (SQLITE_BUSY, no busy wait) whenever
// the other process (start:api beside start:workers) had written in between.

/** DateTime as Prisma's SQLite adapter writes it (ISO 8601 with `+00:00`), so comparisons hold. */
const timestamp = (date: Date) => date.toISOString().replace('Z', '+00:00');

const prepared = new WeakMap<Database.Database, ReturnType<typeof prepare>>();

function statementsOf(connection: Database.Database) {
  let statements = prepared.get(connection);
  if (!statements) prepared.set(connection, (statements = prepare(connection)));
  return statements;
}

function prepare(c: Database.Database) {
  return {
    enabledExports: c
      .prepare<[string], { id: string; group_id: string }>(
        'SELECT id, group_id FROM "exports" WHERE enabled = 1 AND group_id IN (SELECT value FROM json_each(?)) ORDER BY id',
      )
      .safeIntegers(false),
    insertEngagement: c.prepare(
      `INSERT INTO "engagements" (id, group_id, external_id, payload, received_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (group_id, external_id) DO NOTHING`,
    ),
    insertDelivery: c.prepare(
      `INSERT INTO "deliveries" (id, export_id, group_id, engagement_id, status, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)`,
    ),
    // RETURNING cannot name a joined table, but scalar subqueries may read one.
    claim: c
      .prepare<[string, string, number, number], ClaimedRow>(
        `UPDATE "deliveries" SET status = 'delivering', updated_at = ?
         WHERE id = ? AND attempt_count = ? AND (status = 'pending' OR (? AND status = 'delivering'))
         RETURNING id, export_id, attempt_count, schedule_index,
           (SELECT e.payload FROM "engagements" AS e WHERE e.id = engagement_id) AS payload,
           (SELECT e.received_at FROM "engagements" AS e WHERE e.id = engagement_id) AS received_at`,
      )
      .safeIntegers(false),
    insertAttempt: c.prepare(
      `INSERT INTO "delivery_attempts" (id, delivery_id, attempt, started_at, status_code, duration_ms, error, response_snippet)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // The guard on the claimed attempt count keeps a row another worker has moved on from intact.
    outcome: c.prepare(
      `UPDATE "deliveries" SET
         status = @status,
         attempt_count = @attemptCount,
         next_attempt_at = @nextAttemptAt,
         last_error = @lastError,
         updated_at = @now,
         schedule_index = COALESCE(@scheduleIndex, schedule_index),
         last_status_code = CASE WHEN @setStatusCode THEN @lastStatusCode ELSE last_status_code END,
         delivered_at = CASE WHEN @status = 'delivered' THEN @now ELSE delivered_at END,
         parked_at = CASE WHEN @status = 'parked' THEN @now END
       WHERE id = @id AND attempt_count = @claimed`,
    ),
  };
}

/**
 * Resolves once no transaction is open on the connection. Prisma's interactive transactions hold
 * it open across awaits; a statement of ours run then would join (and could be rolled back with)
 * theirs. Checked right before the synchronous work, so nothing can open one in between.
 */
async function outsideTransactions(connection: Database.Database): Promise<void> {
  while (connection.inTransaction) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Inserts the engagements not received before and a delivery per enabled export of their group. */
export async function insertIngestOnSqlite(
  connection: Database.Database,
  engagements: NewEngagement[],
  now: Date,
): Promise<Map<string, { id: string; exportId: string }[]>> {
  const s = statementsOf(connection);
  await outsideTransactions(connection);
  const at = timestamp(now);
  return connection
    .transaction(() => {
      const groupIds = [...new Set(engagements.map((e) => e.groupId))];
      const exports = s.enabledExports.all(JSON.stringify(groupIds));
      const created = new Map<string, { id: string; exportId: string }[]>();
      for (const e of engagements) {
        if (s.insertEngagement.run(e.id, e.groupId, e.externalId, e.json, at).changes === 0) continue;
        const deliveries = exports
          .filter((x) => x.group_id === e.groupId)
          .map((x) => ({ id: newId('dlv'), exportId: x.id }));
        for (const d of deliveries) s.insertDelivery.run(d.id, d.exportId, e.groupId, e.id, at, at, at);
        created.set(e.id, deliveries);
      }
      return created;
    })
    .immediate();
}

/** Moves the rows still in the state their wake-ups were queued for to `delivering`, with their engagements. */
export async function claimRowsOnSqlite(
  connection: Database.Database,
  keys: ClaimKey[],
  now: Date,
): Promise<ClaimedRow[]> {
  const s = statementsOf(connection);
  await outsideTransactions(connection);
  const at = timestamp(now);
  return connection
    .transaction(() => keys.flatMap((k) => s.claim.all(at, k.deliveryId, k.attemptCount, k.rerun ? 1 : 0)))
    .immediate();
}

/** Inserts the attempt rows and sets each delivery's new state, in one transaction. */
export async function writeOutcomeRowsOnSqlite(
  connection: Database.Database,
  rows: OutcomeRow[],
  now: Date,
): Promise<void> {
  const s = statementsOf(connection);
  await outsideTransactions(connection);
  const at = timestamp(now);
  connection
    .transaction(() => {
      for (const r of rows) {
        for (const a of r.attempts) {
          s.insertAttempt.run(
            a.id,
            r.deliveryId,
            a.attempt,
            timestamp(a.startedAt),
            a.statusCode,
            Math.round(a.durationMs),
            a.error,
            a.responseSnippet,
          );
        }
        s.outcome.run({
          id: r.deliveryId,
          claimed: r.claimedAttemptCount,
          status: r.status,
          attemptCount: r.attemptCount,
          nextAttemptAt: r.nextAttemptAt ? timestamp(r.nextAttemptAt) : null,
          lastError: r.lastError,
          now: at,
          scheduleIndex: r.scheduleIndex ?? null,
          setStatusCode: r.lastStatusCode !== undefined ? 1 : 0,
          lastStatusCode: r.lastStatusCode ?? null,
        });
      }
    })
    .immediate();
}
