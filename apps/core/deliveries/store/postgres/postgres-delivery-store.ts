import type pg from 'pg';
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
import { buildStatements, tableNames } from './statements.ts';

/**
 * The delivery store on PostgreSQL, on the pool Prisma uses (apps/core/db/client.ts; Prisma's
 * $disconnect ends it). Prisma applies `?schema=` to its own queries only; these statements
 * resolve names through `search_path`, so they name the schema themselves, fixed at construction.
 */
export class PostgresDeliveryStore implements DeliveryStore {
  readonly provider = 'postgresql';
  readonly #pool: pg.Pool;
  readonly #s: ReturnType<typeof buildStatements>;

  constructor(pool: pg.Pool, schema: string | undefined) {
    this.#pool = pool;
    this.#s = buildStatements(tableNames(schema));
  }

  async ingest(engagements: readonly NewEngagement[], now: Date): Promise<Map<string, EngagementDelivery[]>> {
    const { rows } = await this.#pool.query<{
      engagement_id: string;
      delivery_id: string | null;
      export_id: string | null;
    }>(
      this.#s.ingest([
        engagements.map((e) => e.id),
        engagements.map((e) => e.groupId),
        engagements.map((e) => e.externalId),
        engagements.map((e) => e.json),
        now.toISOString(),
        engagements.map((e) => e.requestId ?? null),
      ]),
    );
    const created = new Map<string, EngagementDelivery[]>();
    for (const row of rows) {
      const deliveries = created.get(row.engagement_id) ?? [];
      if (row.delivery_id && row.export_id) {
        deliveries.push({ id: row.delivery_id, exportId: row.export_id, status: 'pending' });
      }
      created.set(row.engagement_id, deliveries);
    }
    return created;
  }

  async addDelivery(d: AddedDelivery, now: Date): Promise<void> {
    await this.#pool.query(
      this.#s.addDelivery([
        d.id,
        d.exportId,
        d.groupId,
        d.engagementId,
        now.toISOString(),
        d.eventType,
        d.requestId,
        d.engagement?.externalId ?? null,
        d.engagement?.json ?? null,
      ]),
    );
  }

  async findEngagement(groupId: string, externalId: string) {
    const { rows } = await this.#pool.query<{
      engagement_id: string;
      delivery_id: string | null;
      export_id: string | null;
      status: string | null;
    }>(this.#s.findEngagement([groupId, externalId]));
    const first = rows[0];
    if (!first) return null;
    const deliveries = rows.flatMap((r) =>
      r.delivery_id && r.export_id && r.status ? [{ id: r.delivery_id, exportId: r.export_id, status: r.status }] : [],
    );
    return { id: first.engagement_id, deliveries };
  }

  async claim(keys: readonly ClaimKey[], now: Date): Promise<ClaimedDelivery[]> {
    // Reruns (a job whose worker died) are rare and go through their own statement, which also
    // records the attempt that was cut off; the usual claim stays one plain UPDATE.
    const fresh = keys.filter((k) => !k.rerun);
    const reruns = keys.filter((k) => k.rerun);
    const claimed: ClaimedDelivery[] = [];
    if (fresh.length) {
      const { rows } = await this.#pool.query<ClaimedRow>(
        this.#s.claim([fresh.map((k) => k.deliveryId), fresh.map((k) => k.attemptCount), now.toISOString()]),
      );
      claimed.push(...rows.map(claimedDelivery));
    }
    if (reruns.length) {
      const { rows } = await this.#pool.query<ClaimedRow>(
        this.#s.claimRerun([
          reruns.map((k) => k.deliveryId),
          reruns.map((k) => k.attemptCount),
          now.toISOString(),
          CUT_OFF_ATTEMPT_ERROR,
        ]),
      );
      claimed.push(...rows.map(claimedDelivery));
    }
    return claimed;
  }

  async recordOutcomes(rows: readonly OutcomeRow[], now: Date): Promise<void> {
    const attempts = rows.flatMap((r) => r.attempts.map((a) => ({ ...a, deliveryId: r.deliveryId })));
    await this.#pool.query(
      this.#s.outcome([
        attempts.map((a) => a.id),
        attempts.map((a) => a.deliveryId),
        attempts.map((a) => a.attempt),
        attempts.map((a) => a.startedAt.toISOString()),
        attempts.map((a) => a.statusCode),
        attempts.map((a) => Math.round(a.durationMs)),
        attempts.map((a) => a.error),
        attempts.map((a) => a.responseSnippet),
        now.toISOString(),
        rows.map((r) => r.deliveryId),
        rows.map((r) => r.claimedAttemptCount),
        rows.map((r) => r.status),
        rows.map((r) => r.attemptCount),
        rows.map((r) => r.nextAttemptAt?.toISOString() ?? null),
        rows.map((r) => r.lastError),
        rows.map((r) => r.scheduleIndex ?? null),
        rows.map((r) => r.lastStatusCode ?? null),
        rows.map((r) => r.lastStatusCode !== undefined),
        attempts.map((a) => a.requestUrl ?? null),
        attempts.map((a) => a.requestHeaders ?? null),
        attempts.map((a) => a.responseHeaders ?? null),
      ]),
    );
  }

  async reclaimStale(claimedBefore: Date, limit: number, now: Date): Promise<DeliveryDue[]> {
    const { rows } = await this.#pool.query<DueRow>(
      this.#s.reclaimStale([claimedBefore.toISOString(), limit, now.toISOString(), CUT_OFF_ATTEMPT_ERROR]),
    );
    return rows.map(due);
  }

  async overdue(dueBefore: Date, limit: number, skipExports: readonly string[] = []): Promise<DeliveryDue[]> {
    const { rows } = await this.#pool.query<DueRow>(this.#s.overdue([dueBefore.toISOString(), limit, skipExports]));
    return rows.map(due);
  }

  async orderedHead(exportId: string): Promise<OrderedHead | null> {
    const { rows } = await this.#pool.query<DueRow & { status: OrderedHead['status'] }>(
      this.#s.orderedHead([exportId]),
    );
    const head = rows[0];
    return head ? { ...due(head), status: head.status } : null;
  }

  async exportsToResume(parkedBefore: Date): Promise<string[]> {
    const { rows } = await this.#pool.query<{ id: string }>(this.#s.exportsToResume([parkedBefore.toISOString()]));
    return rows.map((r) => r.id);
  }

  async parkExport(exportId: string, reason: string, now: Date): Promise<number> {
    const { rowCount } = await this.#pool.query(this.#s.parkExport([exportId, reason, now.toISOString()]));
    return rowCount ?? 0;
  }

  async resumeParked(exportId: string, limit: number, now: Date): Promise<DeliveryDue[]> {
    const { rows } = await this.#pool.query<DueRow & { created_at: Date }>(
      this.#s.resumeParked([exportId, limit, now.toISOString()]),
    );
    // RETURNING follows no order: oldest first, as the subquery picked them.
    rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return rows.map(due);
  }

  /** Nothing of its own to close: the pool is Prisma's, ended by its $disconnect. */
  async close(): Promise<void> {}
}

interface ClaimedRow {
  id: string;
  export_id: string;
  attempt_count: number;
  schedule_index: number;
  group_id: string;
  event_type: EventType;
  request_id: string | null;
  payload: string;
  received_at: Date;
}

function claimedDelivery(r: ClaimedRow): ClaimedDelivery {
  return {
    id: r.id,
    exportId: r.export_id,
    attemptCount: r.attempt_count,
    scheduleIndex: r.schedule_index,
    engagement: { payload: r.payload, receivedAt: r.received_at },
    groupId: r.group_id,
    eventType: r.event_type,
    requestId: r.request_id,
  };
}

interface DueRow {
  id: string;
  export_id: string;
  attempt_count: number;
  next_attempt_at: Date | null;
}

function due(r: DueRow): DeliveryDue {
  return { id: r.id, exportId: r.export_id, attemptCount: r.attempt_count, nextAttemptAt: r.next_attempt_at };
}
