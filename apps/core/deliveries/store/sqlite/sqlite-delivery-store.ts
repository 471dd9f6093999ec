import Database from 'better-sqlite3';
import { SQLITE_BUSY_TIMEOUT_MS } from '../../../db/client.ts';
import type { TransactionGate } from '../../../db/transaction-gate.ts';
import { deliveryIdFor } from '../delivery-id.ts';
import { newId } from '../../../ids.ts';
import {
  type ClaimedDelivery,
  type ClaimKey,
  CUT_OFF_ATTEMPT_ERROR,
  type DeliveryDue,
  type DeliveryStore,
  type EngagementDelivery,
  type EventType,
  type AddedDelivery,
  type NewEngagement,
  type OrderedHead,
  type OutcomeRow,
} from '../delivery-store.ts';

// The delivery store on SQLite: better-sqlite3 statements prepared once, on a connection of the
// store's own. Through Prisma each raw statement is compiled and prepared again (≈ 230 µs of CPU
// each, measured); a prepared statement runs in a few µs. The calls are synchronous, so a batch's
// statements run as one transaction with nothing else of this process in between. Transactions
// begin IMMEDIATE: one that read first and wrote second would fail at once (SQLITE_BUSY, no busy
// wait) whenever another process (start:api beside start:workers) had written in between.
//
// Prisma's interactive transactions stay open across awaits on Prisma's connection. A write of
// ours committed meanwhile would make such a transaction that read first fail when it writes
// (SQLITE_BUSY_SNAPSHOT in WAL mode), and ours would wait synchronously on its write lock, holding
// the event loop it needs to finish. So each of ours first waits, without polling, until the gate
// (apps/core/db/transaction-gate.ts, fed by Prisma's driver adapter interface) says none is open,
// then runs synchronously: nothing can open one in between.
//
// Statuses are those of apps/core/deliveries/state.ts.

const COMPLETED: EventType = 'engagement.completed';

/** DateTime as Prisma's SQLite adapter writes it (ISO 8601 with `+00:00`), so comparisons hold. */
const timestamp = (date: Date) => date.toISOString().replace('Z', '+00:00');

/**
 * An export's unfinished deliveries are read through the (export, status, created_at) index: SQLite
 * keeps no statistics here (apps/core/db/client.ts), and through the (export, sequence) index it
 * would walk every delivered row the export still keeps to reach them.
 */
const UNFINISHED_BY_EXPORT = 'INDEXED BY "deliveries_export_id_status_created_at_idx"';

/**
 * "Not held": no delivery of the same export with a lower sequence is unfinished, for the row of
 * `deliveries` being read or updated (docs/api/deliveries.md, "Flow control and ordering").
 * Deliveries of exports that are not ordered are never held (OR stops at its first true operand),
 * and test events go beside the order: none is held, none holds (docs/api/deliveries.md, "Test events").
 */
const NOT_HELD = `("deliveries".event_type = 'engagement.test'
  OR NOT (SELECT x.ordered FROM "exports" AS x WHERE x.id = "deliveries".export_id) OR NOT EXISTS (
  SELECT 1 FROM "deliveries" AS p ${UNFINISHED_BY_EXPORT}
  WHERE p.export_id = "deliveries".export_id AND p.status IN ('pending', 'delivering', 'parked')
    AND p.sequence < "deliveries".sequence AND p.event_type = 'engagement.completed'))`;

interface ClaimedRow {
  id: string;
  export_id: string;
  attempt_count: number;
  schedule_index: number;
  group_id: string;
  event_type: EventType;
  request_id: string | null;
  payload: string;
  received_at: string;
}

const claimedDelivery = (r: ClaimedRow): ClaimedDelivery => ({
  id: r.id,
  exportId: r.export_id,
  attemptCount: r.attempt_count,
  scheduleIndex: r.schedule_index,
  engagement: { payload: r.payload, receivedAt: new Date(r.received_at) },
  groupId: r.group_id,
  eventType: r.event_type,
  requestId: r.request_id,
});

interface DueRow {
  id: string;
  export_id: string;
  attempt_count: number;
  next_attempt_at: string | null;
}

const due = (r: DueRow): DeliveryDue => ({
  id: r.id,
  exportId: r.export_id,
  attemptCount: r.attempt_count,
  nextAttemptAt: r.next_attempt_at === null ? null : new Date(r.next_attempt_at),
});

function prepare(c: Database.Database) {
  return {
    insertEngagement: c.prepare(
      `INSERT INTO "engagements" (id, group_id, external_id, payload, received_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (group_id, external_id) DO NOTHING`,
    ),
    enabledExports: c.prepare<[string], { id: string; group_id: string }>(
      `SELECT id, group_id FROM "exports" WHERE enabled = 1 AND group_id IN (SELECT value FROM json_each(?)) ORDER BY id`,
    ),
    insertDelivery: c.prepare(
      `INSERT INTO "deliveries" (id, export_id, group_id, engagement_id, status, next_attempt_at, created_at, updated_at, sequence,
         request_id, event_type)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
    ),
    // The export's last ingest position (deliveries_export_id_sequence_idx): SQLite runs one write
    // transaction at a time, so the next one continues from here.
    lastSequence: c.prepare<[string], { last: number | bigint | null }>(
      `SELECT MAX(sequence) AS last FROM "deliveries" WHERE export_id = ?`,
    ),
    findEngagement: c.prepare<
      [string, string],
      { engagement_id: string; delivery_id: string | null; export_id: string | null; status: string | null }
    >(
      `SELECT e.id AS engagement_id, d.id AS delivery_id, d.export_id, d.status
       FROM "engagements" AS e LEFT JOIN "deliveries" AS d ON d.engagement_id = e.id
       WHERE e.group_id = ? AND e.external_id = ?
       ORDER BY d.export_id`,
    ),
    // RETURNING cannot name a joined table, but scalar subqueries may read one.
    claim: c.prepare<[string, string, number], ClaimedRow>(
      `UPDATE "deliveries" SET status = 'delivering', updated_at = ?
       WHERE id = ? AND attempt_count = ? AND status = 'pending' AND ${NOT_HELD}
       RETURNING id, export_id, attempt_count, schedule_index, group_id, event_type, request_id,
         (SELECT e.payload FROM "engagements" AS e WHERE e.id = engagement_id) AS payload,
         (SELECT e.received_at FROM "engagements" AS e WHERE e.id = engagement_id) AS received_at`,
    ),
    // A job run again after its worker died may take back its own claim: the attempt that was cut
    // off is then counted (the row is read first, in the same transaction, for its claim time).
    claimedAt: c.prepare<[string, number], { status: string; updated_at: string }>(
      `SELECT status, updated_at FROM "deliveries" WHERE id = ? AND attempt_count = ?`,
    ),
    takeBack: c.prepare<[string, string, string, number], ClaimedRow>(
      `UPDATE "deliveries" SET status = 'delivering', updated_at = ?, attempt_count = attempt_count + 1, last_error = ?
       WHERE id = ? AND attempt_count = ? AND status = 'delivering'
       RETURNING id, export_id, attempt_count, schedule_index, group_id, event_type, request_id,
         (SELECT e.payload FROM "engagements" AS e WHERE e.id = engagement_id) AS payload,
         (SELECT e.received_at FROM "engagements" AS e WHERE e.id = engagement_id) AS received_at`,
    ),
    insertCutOff: c.prepare(
      `INSERT INTO "delivery_attempts" (id, delivery_id, attempt, started_at, status_code, duration_ms, error)
       VALUES (?, ?, ?, ?, NULL, 0, ?)`,
    ),
    insertAttempt: c.prepare(
      `INSERT INTO "delivery_attempts" (id, delivery_id, attempt, started_at, status_code, duration_ms, error, response_snippet,
         request_url, request_headers, response_headers)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
    // The attempt that was cut off is recorded and counted: the row's attempt count moves on, so its
    // wake-up gets a new job id (jobs.ts), which the sweeper queues from what reclaimStale returns.
    staleClaims: c.prepare<[string, number], { id: string; attempt_count: number; updated_at: string }>(
      `SELECT id, attempt_count, updated_at FROM "deliveries" WHERE status = 'delivering' AND updated_at < ?
       ORDER BY updated_at LIMIT ?`,
    ),
    putBack: c.prepare<[string, string, string, number], DueRow>(
      `UPDATE "deliveries" SET status = 'pending', attempt_count = attempt_count + 1, last_error = ?, updated_at = ?
       WHERE id = ? AND attempt_count = ? AND status = 'delivering'
       RETURNING id, export_id, attempt_count, next_attempt_at`,
    ),
    // Held deliveries of ordered exports are not due: only each one's head is (see claim).
    overdue: c.prepare<[string, string, number], DueRow>(
      `SELECT id, export_id, attempt_count, next_attempt_at FROM "deliveries"
       WHERE status = 'pending' AND next_attempt_at < ?
         AND export_id NOT IN (SELECT value FROM json_each(?)) AND ${NOT_HELD}
       ORDER BY next_attempt_at LIMIT ?`,
    ),
    orderedHead: c.prepare<[string], DueRow & { status: OrderedHead['status'] }>(
      `SELECT id, export_id, attempt_count, status, next_attempt_at FROM "deliveries" ${UNFINISHED_BY_EXPORT}
       WHERE export_id = ? AND status IN ('pending', 'delivering', 'parked') AND event_type = 'engagement.completed'
       ORDER BY sequence LIMIT 1`,
    ),
    exportsToResume: c.prepare<[string], { id: string }>(
      `SELECT x.id FROM "exports" AS x JOIN "oauth_connections" AS c ON c.export_id = x.id
       WHERE x.enabled = 1 AND c.status = 'authorized' AND EXISTS (
         SELECT 1 FROM "deliveries" AS d WHERE d.export_id = x.id AND d.status = 'parked' AND d.parked_at < ?
       )`,
    ),
    parkExport: c.prepare(
      `UPDATE "deliveries"
       SET status = 'parked', parked_at = @now, next_attempt_at = NULL, last_error = @reason, updated_at = @now
       WHERE export_id = @exportId AND status = 'pending'`,
    ),
    parkedOldestFirst: c.prepare<[string, number], { id: string; export_id: string; attempt_count: number }>(
      `SELECT id, export_id, attempt_count FROM "deliveries" WHERE export_id = ? AND status = 'parked'
       ORDER BY created_at, id LIMIT ?`,
    ),
    resumeOne: c.prepare(
      `UPDATE "deliveries" SET status = 'pending', parked_at = NULL, next_attempt_at = @now, updated_at = @now
       WHERE id = @id AND status = 'parked'`,
    ),
  };
}

export class SqliteDeliveryStore implements DeliveryStore {
  readonly provider = 'sqlite';
  readonly #connection: Database.Database;
  readonly #s: ReturnType<typeof prepare>;
  readonly #gate: TransactionGate;

  /** Opens the store's own connection to the (migrated) database file. */
  constructor(file: string, gate: TransactionGate) {
    // The same busy timeout as Prisma's connection (db/client.ts): another process' write lock is
    // waited for, synchronously, up to a request's budget.
    const connection = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
    try {
      // WAL is persistent (set by the migration runner); these two are per connection.
      connection.pragma('synchronous = NORMAL');
      connection.pragma('foreign_keys = ON');
      this.#s = prepare(connection);
    } catch (error) {
      connection.close();
      throw error;
    }
    this.#connection = connection;
    this.#gate = gate;
  }

  /** Runs `work` as one IMMEDIATE transaction once no Prisma transaction is open in this process. */
  async #write<T>(work: () => T): Promise<T> {
    for (let clear = this.#gate.whenClear(); clear; clear = this.#gate.whenClear()) await clear;
    return this.#connection.transaction(work).immediate();
  }

  ingest(engagements: readonly NewEngagement[], now: Date): Promise<Map<string, EngagementDelivery[]>> {
    const at = timestamp(now);
    return this.#write(() => {
      // Read in the same synchronous transaction as the inserts: a few µs here, where PostgreSQL
      // saves a round trip by joining the exports in its statement. The ids are the same.
      const groupIds = [...new Set(engagements.map((e) => e.groupId))];
      const exports = this.#s.enabledExports.all(JSON.stringify(groupIds));
      const created = new Map<string, EngagementDelivery[]>();
      // `sequence` orders an export's deliveries as they were posted (ordered exports).
      const nextSequence = new Map<string, number>();
      const sequenceOf = (exportId: string) => {
        const next = nextSequence.get(exportId) ?? Number(this.#s.lastSequence.get(exportId)?.last ?? 0) + 1;
        nextSequence.set(exportId, next + 1);
        return next;
      };
      for (const e of engagements) {
        const requestId = e.requestId ?? null;
        if (this.#s.insertEngagement.run(e.id, e.groupId, e.externalId, e.json, at).changes === 0) continue;
        const deliveries = exports
          .filter((x) => x.group_id === e.groupId)
          .map((x) => ({ id: deliveryIdFor(e.id, x.id), exportId: x.id, status: 'pending' }));
        for (const d of deliveries) {
          const sequence = sequenceOf(d.exportId);
          this.#s.insertDelivery.run(d.id, d.exportId, e.groupId, e.id, at, at, at, sequence, requestId, COMPLETED);
        }
        created.set(e.id, deliveries);
      }
      return created;
    });
  }

  addDelivery(d: AddedDelivery, now: Date): Promise<void> {
    const at = timestamp(now);
    return this.#write(() => {
      const e = d.engagement;
      if (e) this.#s.insertEngagement.run(e.id, e.groupId, e.externalId, e.json, at);
      const sequence = Number(this.#s.lastSequence.get(d.exportId)?.last ?? 0) + 1;
      this.#s.insertDelivery.run(
        d.id,
        d.exportId,
        d.groupId,
        d.engagementId,
        at,
        at,
        at,
        sequence,
        d.requestId,
        d.eventType,
      );
    });
  }

  async findEngagement(groupId: string, externalId: string) {
    const rows = this.#s.findEngagement.all(groupId, externalId);
    const first = rows[0];
    if (!first) return null;
    const deliveries = rows.flatMap((r) =>
      r.delivery_id && r.export_id && r.status ? [{ id: r.delivery_id, exportId: r.export_id, status: r.status }] : [],
    );
    return { id: first.engagement_id, deliveries };
  }

  claim(keys: readonly ClaimKey[], now: Date): Promise<ClaimedDelivery[]> {
    const at = timestamp(now);
    return this.#write(() =>
      keys.flatMap((k) => {
        const claimed = this.#s.claim.all(at, k.deliveryId, k.attemptCount);
        if (claimed.length || !k.rerun) return claimed.map(claimedDelivery);
        const before = this.#s.claimedAt.get(k.deliveryId, k.attemptCount);
        if (before?.status !== 'delivering') return [];
        const taken = this.#s.takeBack.all(at, CUT_OFF_ATTEMPT_ERROR, k.deliveryId, k.attemptCount);
        for (const r of taken) {
          this.#s.insertCutOff.run(newId('att'), r.id, r.attempt_count, before.updated_at, CUT_OFF_ATTEMPT_ERROR);
        }
        return taken.map(claimedDelivery);
      }),
    );
  }

  recordOutcomes(rows: readonly OutcomeRow[], now: Date): Promise<void> {
    const at = timestamp(now);
    return this.#write(() => {
      for (const r of rows) {
        for (const a of r.attempts) {
          this.#s.insertAttempt.run(
            a.id,
            r.deliveryId,
            a.attempt,
            timestamp(a.startedAt),
            a.statusCode,
            Math.round(a.durationMs),
            a.error,
            a.responseSnippet,
            a.requestUrl ?? null,
            a.requestHeaders ?? null,
            a.responseHeaders ?? null,
          );
        }
        this.#s.outcome.run({
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
    });
  }

  reclaimStale(claimedBefore: Date, limit: number, now: Date): Promise<DeliveryDue[]> {
    const at = timestamp(now);
    return this.#write(() =>
      this.#s.staleClaims.all(timestamp(claimedBefore), limit).flatMap((stale) => {
        const back = this.#s.putBack.all(CUT_OFF_ATTEMPT_ERROR, at, stale.id, stale.attempt_count);
        for (const r of back) {
          this.#s.insertCutOff.run(newId('att'), r.id, r.attempt_count, stale.updated_at, CUT_OFF_ATTEMPT_ERROR);
        }
        return back.map(due);
      }),
    );
  }

  async overdue(dueBefore: Date, limit: number, skipExports: readonly string[] = []): Promise<DeliveryDue[]> {
    return this.#s.overdue.all(timestamp(dueBefore), JSON.stringify(skipExports), limit).map(due);
  }

  async orderedHead(exportId: string): Promise<OrderedHead | null> {
    const head = this.#s.orderedHead.get(exportId);
    return head ? { ...due(head), status: head.status } : null;
  }

  async exportsToResume(parkedBefore: Date): Promise<string[]> {
    return this.#s.exportsToResume.all(timestamp(parkedBefore)).map((r) => r.id);
  }

  parkExport(exportId: string, reason: string, now: Date): Promise<number> {
    return this.#write(() => this.#s.parkExport.run({ exportId, reason, now: timestamp(now) }).changes);
  }

  resumeParked(exportId: string, limit: number, now: Date): Promise<DeliveryDue[]> {
    const at = timestamp(now);
    return this.#write(() =>
      this.#s.parkedOldestFirst
        .all(exportId, limit)
        .filter((r) => this.#s.resumeOne.run({ id: r.id, now: at }).changes === 1)
        .map((r) => ({ id: r.id, exportId: r.export_id, attemptCount: r.attempt_count, nextAttemptAt: now })),
    );
  }

  async close(): Promise<void> {
    if (this.#connection.open) this.#connection.close();
  }
}
