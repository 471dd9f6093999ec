import { createHash } from 'node:crypto';
import type pg from 'pg';

// Every statement of the PostgreSQL delivery store, as named prepared statements over arrays: one
// fixed SQL text per statement whatever the batch size, so PostgreSQL parses and plans it once per
// connection, and node-postgres sends it without Prisma's query compiler. Measured here: a trivial
// query costs ≈ 230 µs of client CPU through Prisma's $queryRaw and ≈ 70 µs as a named pg statement.
//
// Timestamps: the columns are TIMESTAMP(3) without time zone holding UTC (Prisma's convention).
// Values go in as ISO strings (PostgreSQL ignores the `Z` of a value cast to a zoneless type) and
// come out `AT TIME ZONE 'UTC'`, which node-postgres reads as an absolute instant.
//
// Statuses are those of apps/core/deliveries/state.ts.

/** A statement prepared once per connection, named after its text (another schema, another name). */
export type Statement = (values: unknown[]) => pg.QueryConfig;

function statement(text: string): Statement {
  const name = `dstore_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
  return (values) => ({ name, text, values });
}

/** The tables, schema-qualified when the database URL names a schema (see postgres-delivery-store.ts). */
export interface TableNames {
  deliveries: string;
  attempts: string;
  engagements: string;
  exports: string;
  connections: string;
  /** A sequence's name inside nextval('…'): quoted, schema-qualified when there is a schema. */
  ingestBatchSequence: string;
}

export function tableNames(schema: string | undefined): TableNames {
  const name = (table: string) => (schema ? `"${schema.replaceAll('"', '""')}"."${table}"` : `"${table}"`);
  return {
    deliveries: name('deliveries'),
    attempts: name('delivery_attempts'),
    engagements: name('engagements'),
    exports: name('exports'),
    connections: name('oauth_connections'),
    ingestBatchSequence: name('deliveries_ingest_batch_seq').replaceAll("'", "''"),
  };
}

export function buildStatements(t: TableNames) {
  return {
    // New engagements (an id already received in the group is skipped) and one delivery for each
    // enabled export of their group, in one atomic statement (data-modifying CTEs, PostgreSQL
    // §7.8.4). The delivery id is store/delivery-id.ts's rule, computed here so that no separate
    // read of the exports is needed.
    //
    // `sequence` orders an export's deliveries as they were posted (ordered exports): one value of
    // a database sequence per statement, times 1,000,000 (far above a group commit's size), plus the
    // engagement's place in the batch. A statement that starts after another ended gets larger values.
    ingest: statement(`
      WITH input AS (
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $6::text[])
          WITH ORDINALITY AS e(id, group_id, external_id, payload, request_id, ord)
      ), inserted AS (
        INSERT INTO ${t.engagements} (id, group_id, external_id, payload, received_at)
        SELECT e.id, e.group_id, e.external_id, e.payload, $5::timestamp(3)
        FROM input e
        ON CONFLICT (group_id, external_id) DO NOTHING
        RETURNING id, group_id
      ), batch AS (
        SELECT nextval('${t.ingestBatchSequence}') * 1000000 AS base
      ), created AS (
        INSERT INTO ${t.deliveries}
          (id, export_id, group_id, engagement_id, status, next_attempt_at, created_at, updated_at, sequence, request_id)
        SELECT 'dlv_' || rtrim(translate(encode(substring(sha256(convert_to(i.id || '/' || x.id, 'UTF8')) FROM 1 FOR 16),
            'base64'), '+/', '-_'), '='),
          x.id, i.group_id, i.id, 'pending', $5::timestamp(3), $5::timestamp(3), $5::timestamp(3), b.base + e.ord,
          e.request_id
        FROM inserted i JOIN input e ON e.id = i.id CROSS JOIN batch b
          JOIN ${t.exports} x ON x.group_id = i.group_id AND x.enabled
        RETURNING id, export_id, engagement_id
      )
      SELECT i.id AS engagement_id, c.id AS delivery_id, c.export_id
      FROM inserted i LEFT JOIN created c ON c.engagement_id = i.id
      ORDER BY c.export_id`),
    findEngagement: statement(`
      SELECT e.id AS engagement_id, d.id AS delivery_id, d.export_id, d.status
      FROM ${t.engagements} e LEFT JOIN ${t.deliveries} d ON d.engagement_id = e.id
      WHERE e.group_id = $1 AND e.external_id = $2
      ORDER BY d.export_id`),
    // A delivery of an ordered export is held while one of the export's with a lower sequence is
    // unfinished (docs/api/deliveries.md, "Flow control and ordering"); OR evaluates its arms in
    // order, so the lookup runs for ordered exports only.
    // `(d.status || '')` keeps PostgreSQL off the retention index (status, updated_at): with a table
    // of mostly delivered rows its statistics predict few pending ones, and it walked every pending
    // row for each claim instead of looking the batch's ids up by primary key (measured: 1,000,000
    // delivered rows took throughput to 40 % of an empty table; docs/benchmarks.md).
    claim: statement(`
      UPDATE ${t.deliveries} AS d SET status = 'delivering', updated_at = $3::timestamp(3)
      FROM unnest($1::text[], $2::int[]) AS k(id, attempt_count), ${t.engagements} AS e, ${t.exports} AS x
      WHERE d.id = k.id AND d.attempt_count = k.attempt_count AND e.id = d.engagement_id AND x.id = d.export_id
        AND (d.status || '') = 'pending' AND (NOT x.ordered OR ${notHeld('d', t)})
      RETURNING d.id, d.export_id, d.attempt_count, d.schedule_index, d.group_id, d.event_type, d.request_id, e.payload,
        e.received_at AT TIME ZONE 'UTC' AS received_at`),
    // A job run again after its worker died: it may take back its own claim (`delivering`), and then
    // records the attempt that was cut off (attempt_count + 1, an attempt row, last_error). `o` is
    // the row as the statement found it (its claim time starts the cut-off attempt).
    claimRerun: statement(`
      WITH claimed AS (
        UPDATE ${t.deliveries} AS d SET status = 'delivering', updated_at = $3::timestamp(3),
          attempt_count = d.attempt_count + CASE WHEN d.status = 'delivering' THEN 1 ELSE 0 END,
          last_error = CASE WHEN d.status = 'delivering' THEN $4 ELSE d.last_error END
        FROM unnest($1::text[], $2::int[]) AS k(id, attempt_count), ${t.engagements} AS e, ${t.exports} AS x,
          ${t.deliveries} AS o
        WHERE d.id = k.id AND o.id = d.id AND d.attempt_count = k.attempt_count AND e.id = d.engagement_id
          AND x.id = d.export_id
          AND (d.status || '') IN ('delivering', 'pending')
          AND (d.status = 'delivering' OR (NOT x.ordered OR ${notHeld('d', t)}))
        RETURNING d.id, d.export_id, d.attempt_count, d.schedule_index, d.group_id, d.event_type, d.request_id,
          e.payload, e.received_at,
          d.attempt_count > k.attempt_count AS cut_off, o.updated_at AS claimed_at
      ), cut AS (
        INSERT INTO ${t.attempts} (id, delivery_id, attempt, started_at, status_code, duration_ms, error)
        SELECT ${randomAttemptId}, c.id, c.attempt_count, c.claimed_at, NULL, 0, $4
        FROM claimed c WHERE c.cut_off
      )
      SELECT id, export_id, attempt_count, schedule_index, group_id, event_type, request_id, payload,
        received_at AT TIME ZONE 'UTC' AS received_at
      FROM claimed`),
    // A delivery outside ingest (a resend, a test event with its own engagement when $8 is set),
    // after everything its export has: a sequence value of its own, as an ingest statement takes.
    addDelivery: statement(`
      WITH engagement AS (
        INSERT INTO ${t.engagements} (id, group_id, external_id, payload, received_at)
        SELECT $4::text, $3::text, $8::text, $9::text, $5::timestamp(3) WHERE $8::text IS NOT NULL
      )
      INSERT INTO ${t.deliveries}
        (id, export_id, group_id, engagement_id, status, next_attempt_at, created_at, updated_at, sequence, event_type, request_id)
      VALUES ($1, $2, $3, $4, 'pending', $5::timestamp(3), $5::timestamp(3), $5::timestamp(3),
        nextval('${t.ingestBatchSequence}') * 1000000, $6, $7)`),
    // The guard on the claimed attempt count keeps a row another worker has moved on from intact.
    outcome: statement(`
      WITH attempts AS (
        INSERT INTO ${t.attempts}
          (id, delivery_id, attempt, started_at, status_code, duration_ms, error, response_snippet,
           request_url, request_headers, response_headers)
        SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamp(3)[], $5::int[], $6::int[], $7::text[], $8::text[],
          $19::text[], $20::text[], $21::text[])
      )
      UPDATE ${t.deliveries} AS d SET
        status = u.status,
        attempt_count = u.attempt_count,
        next_attempt_at = u.next_attempt_at,
        last_error = u.last_error,
        updated_at = $9::timestamp(3),
        schedule_index = COALESCE(u.schedule_index, d.schedule_index),
        last_status_code = CASE WHEN u.set_status_code THEN u.last_status_code ELSE d.last_status_code END,
        delivered_at = CASE WHEN u.status = 'delivered' THEN $9::timestamp(3) ELSE d.delivered_at END,
        parked_at = CASE WHEN u.status = 'parked' THEN $9::timestamp(3) END
      FROM unnest($10::text[], $11::int[], $12::text[], $13::int[], $14::timestamp(3)[], $15::text[], $16::int[],
        $17::int[], $18::bool[])
        AS u(id, claimed, status, attempt_count, next_attempt_at, last_error, schedule_index, last_status_code, set_status_code)
      WHERE d.id = u.id AND d.attempt_count = u.claimed`),
    // The attempt that was cut off is recorded and counted: the row's attempt count moves on, so its
    // wake-up gets a new job id (jobs.ts), which the sweeper queues from what this returns.
    reclaimStale: statement(`
      WITH stale AS (
        SELECT id, updated_at FROM ${t.deliveries} WHERE status = 'delivering' AND updated_at < $1::timestamp(3)
        ORDER BY updated_at LIMIT $2 FOR UPDATE SKIP LOCKED
      ), back AS (
        UPDATE ${t.deliveries} AS d SET status = 'pending', attempt_count = d.attempt_count + 1, last_error = $4,
          updated_at = $3::timestamp(3)
        FROM stale s WHERE d.id = s.id AND d.status = 'delivering'
        RETURNING d.id, d.export_id, d.attempt_count, d.next_attempt_at, s.updated_at AS claimed_at
      ), cut AS (
        INSERT INTO ${t.attempts} (id, delivery_id, attempt, started_at, status_code, duration_ms, error)
        SELECT ${randomAttemptId}, b.id, b.attempt_count, b.claimed_at, NULL, 0, $4 FROM back b
      )
      SELECT id, export_id, attempt_count, next_attempt_at AT TIME ZONE 'UTC' AS next_attempt_at FROM back`),
    // Held deliveries of ordered exports are not due: only each one's head is (see claim).
    overdue: statement(`
      SELECT d.id, d.export_id, d.attempt_count, d.next_attempt_at AT TIME ZONE 'UTC' AS next_attempt_at
      FROM ${t.deliveries} AS d JOIN ${t.exports} AS x ON x.id = d.export_id
      WHERE d.status = 'pending' AND d.next_attempt_at < $1::timestamp(3) AND NOT (d.export_id = ANY($3::text[]))
        AND (NOT x.ordered OR ${notHeld('d', t)})
      ORDER BY d.next_attempt_at LIMIT $2`),
    orderedHead: statement(`
      SELECT id, export_id, attempt_count, status, next_attempt_at AT TIME ZONE 'UTC' AS next_attempt_at
      FROM ${t.deliveries} WHERE export_id = $1 AND status IN ('pending', 'delivering', 'parked')
        AND event_type = 'engagement.completed'
      ORDER BY sequence LIMIT 1`),
    exportsToResume: statement(`
      SELECT x.id FROM ${t.exports} x JOIN ${t.connections} c ON c.export_id = x.id
      WHERE x.enabled AND c.status = 'authorized' AND EXISTS (
        SELECT 1 FROM ${t.deliveries} d
        WHERE d.export_id = x.id AND d.status = 'parked' AND d.parked_at < $1::timestamp(3)
      )`),
    parkExport: statement(`
      UPDATE ${t.deliveries}
      SET status = 'parked', parked_at = $3::timestamp(3), next_attempt_at = NULL, last_error = $2, updated_at = $3::timestamp(3)
      WHERE export_id = $1 AND status = 'pending'`),
    resumeParked: statement(`
      UPDATE ${t.deliveries} AS d
      SET status = 'pending', parked_at = NULL, next_attempt_at = $3::timestamp(3), updated_at = $3::timestamp(3)
      FROM (
        SELECT id FROM ${t.deliveries} WHERE export_id = $1 AND status = 'parked'
        ORDER BY created_at, id LIMIT $2
      ) AS p
      WHERE d.id = p.id AND d.status = 'parked'
      RETURNING d.id, d.export_id, d.attempt_count, d.created_at, d.next_attempt_at AT TIME ZONE 'UTC' AS next_attempt_at`),
  };
}

/**
 * "No delivery of the same export with a lower sequence is unfinished" for the row `alias`: what an
 * ordered export's delivery must meet to be sent (docs/api/deliveries.md, "Flow control and ordering").
 * Test events go beside the order: none is held, none holds (docs/api/deliveries.md, "Test events").
 */
function notHeld(alias: string, t: TableNames): string {
  return `(${alias}.event_type = 'engagement.test' OR NOT EXISTS (
    SELECT 1 FROM ${t.deliveries} AS p WHERE p.export_id = ${alias}.export_id AND p.sequence < ${alias}.sequence
      AND p.status IN ('pending', 'delivering', 'parked') AND p.event_type = 'engagement.completed'))`;
}

/** A random attempt id in SQL, the shape of ids.ts's newId('att'): 128 bits in base64url. */
const randomAttemptId = `'att_' || rtrim(translate(encode(uuid_send(gen_random_uuid()), 'base64'), '+/', '-_'), '=')`;
