import type { Deps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { afterCursor, newestFirst, type Page, toPage } from '../pagination.ts';
import { eventBody, type EventType } from './event-body.ts';
import { nextStepFor } from './next-step.ts';
import type { DeliveryStatus } from './state.ts';

/** Every status a delivery can have (docs/api/deliveries.md); the state machine is state.ts. */
export { DELIVERY_STATUSES, type DeliveryStatus } from './state.ts';

interface DeliveryRow {
  id: string;
  exportId: string;
  engagementId: string;
  status: string;
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
  eventType: string;
}

/**
 * A delivery as the API shows it; its `id` is the `webhook-id` the receiver sees. `waitingFor`:
 * for a pending delivery of an ordered export, the earlier delivery holding it (waitingFor below).
 */
export function deliveryView(row: DeliveryRow, waitingFor: string | null = null) {
  return {
    id: row.id,
    exportId: row.exportId,
    engagementId: row.engagementId,
    status: row.status,
    attemptCount: row.attemptCount,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    // Only a pending delivery is waiting for a time (state.ts).
    nextAttemptAt: row.status === 'pending' ? (row.nextAttemptAt?.toISOString() ?? null) : null,
    waitingFor: row.status === 'pending' ? waitingFor : null,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    /** `engagement.completed`, or `engagement.test` for a test event (the webhook body's `type`). */
    eventType: row.eventType as EventType,
  };
}
export type DeliveryView = ReturnType<typeof deliveryView>;

/** An export's delivery log, newest first; 404 when the export is not the caller's group's. */
export async function listExportDeliveries(
  deps: Pick<Deps, 'db'>,
  groupId: string,
  exportId: string,
  query: { status?: DeliveryStatus | undefined; cursor?: string | undefined; limit: number },
): Promise<Page<DeliveryView>> {
  const exp = await deps.db.export.findFirst({ where: { id: exportId, groupId }, select: { id: true, ordered: true } });
  if (!exp) throw notFound('The export');
  const rows = await deps.db.delivery.findMany({
    where: { exportId, ...(query.status ? { status: query.status } : {}), ...afterCursor(query.cursor) },
    orderBy: newestFirst,
    take: query.limit + 1,
  });
  const held = exp.ordered && rows.some((r) => r.status === 'pending') ? await orderedHead(deps, exportId) : null;
  return toPage(rows, query.limit, (row) => deliveryView(row, waitingFor(row, held)));
}

/**
 * One delivery with its attempts (oldest first) and the request as sent (docs/api/delivery-inspector.md);
 * 404 when it is not the caller's group's.
 */
export async function getDelivery(deps: Pick<Deps, 'db'>, groupId: string, deliveryId: string) {
  const row = await deps.db.delivery.findFirst({
    where: { id: deliveryId, groupId },
    include: {
      attempts: { orderBy: { attempt: 'asc' } },
      engagement: { select: { payload: true, receivedAt: true } },
      export: {
        select: {
          name: true,
          ordered: true,
          enabled: true,
          oauthConfig: { select: { exportId: true } },
          oauthConnection: { select: { status: true } },
        },
      },
    },
  });
  if (!row) throw notFound('The delivery');
  const held = row.export.ordered && row.status === 'pending' ? await orderedHead(deps, row.exportId) : null;
  // The signature and timestamp headers change with every attempt: the latest one is shown.
  const sent = row.attempts.findLast((a) => a.requestUrl !== null);
  return {
    ...deliveryView(row, waitingFor(row, held)),
    exportName: row.export.name,
    /** The id of the HTTP request that made the delivery or last sent it again (X-Request-Id). */
    requestId: row.requestId,
    /** For a parked delivery, what an operator does so it is sent (next-step.ts); null otherwise. */
    nextStep: row.status === 'parked' ? nextStepFor(row.export) : null,
    request: {
      url: sent?.requestUrl ?? null,
      headers: sent?.requestHeaders ? (JSON.parse(sent.requestHeaders) as Record<string, string>) : null,
      // Rebuilt as the worker builds it (process.ts): the same bytes on every attempt.
      body: row.attempts.length
        ? eventBody(row.eventType as EventType, row.engagement.payload, row.engagement.receivedAt)
        : null,
    },
    attempts: row.attempts.map((a) => ({
      attempt: a.attempt,
      startedAt: a.startedAt.toISOString(),
      statusCode: a.statusCode,
      durationMs: a.durationMs,
      error: a.error,
      responseHeaders: a.responseHeaders ? (JSON.parse(a.responseHeaders) as Record<string, string | string[]>) : null,
      responseBody: a.responseSnippet,
      /** The same text as responseBody, under its earlier name. */
      responseSnippet: a.responseSnippet,
    })),
  };
}

/** Statuses that hold the later deliveries of an ordered export (delivered, failed and dead do not). */
const UNFINISHED = ['pending', 'delivering', 'parked'] as const;

/**
 * The unfinished delivery of an ordered export with the lowest ingest `sequence`: every later
 * pending delivery waits for it (docs/api/deliveries.md). One query per status: the `created_at`
 * bound, always true, steers SQLite's planner (it keeps no statistics, see apps/core/db/client.ts)
 * to deliveries_export_id_status_created_at_idx, so it reads the export's unfinished rows instead
 * of every kept row in sequence order.
 */
export async function orderedHead(deps: Pick<Deps, 'db'>, exportId: string) {
  const firsts = await Promise.all(
    UNFINISHED.map((status) =>
      deps.db.delivery.findFirst({
        // Test events go beside the order (docs/api/deliveries.md, "Test events").
        where: { exportId, status, eventType: 'engagement.completed', createdAt: { gte: new Date(0) } },
        orderBy: { sequence: 'asc' },
        select: { id: true, sequence: true },
      }),
    ),
  );
  let head: { id: string; sequence: bigint } | null = null;
  for (const first of firsts) if (first && (!head || first.sequence < head.sequence)) head = first;
  return head;
}

/** The delivery `row` waits for: the ordered export's head when it came before this one. */
export function waitingFor(
  row: { status: string; sequence: bigint; eventType: string },
  head: { id: string; sequence: bigint } | null,
): string | null {
  if (row.eventType !== 'engagement.completed') return null;
  return row.status === 'pending' && head && head.sequence < row.sequence ? head.id : null;
}
