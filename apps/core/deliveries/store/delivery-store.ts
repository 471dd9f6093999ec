import type { EventType } from '../../webhooks/payload.ts';
import type { OutcomeStatus } from '../state.ts';

// The storage contract of the delivery pipeline: every statement a delivery goes through, from the
// engagement that creates it to the outcome of its last attempt, and the sweeper's and parking's
// queries. One implementation per database (postgres/, sqlite/), built once by the composition
// root (apps/core/deps.ts) and closed by its close(); the same conformance suite runs against both
// (test/integration/delivery-store.conformance.int.test.ts). Callers never see the dialect.
//
// Batch methods take arrays: the group commits above (engagements/ingest.ts, claim.ts, write.ts)
// hand over everything that arrived together, and each method is one round trip (PostgreSQL) or
// one transaction (SQLite) whatever the batch size.

/** An engagement to insert, with the id it gets if it is new in its group. */
export interface NewEngagement {
  id: string;
  groupId: string;
  externalId: string;
  /** The exact JSON text received. */
  json: string;
  /** The id of the HTTP request that posted it (apps/http/request-id.ts), kept on its deliveries. */
  requestId?: string | null;
}

/** The webhook `type` of a delivery (docs/api/deliveries.md): an engagement, or a test event. */
export type { EventType };

/**
 * A delivery made by hand rather than by ingest: a resend of an engagement already kept, or a
 * test event, which brings its own engagement (`engagement`, inserted in the same transaction).
 */
export interface AddedDelivery {
  id: string;
  exportId: string;
  groupId: string;
  engagementId: string;
  eventType: EventType;
  requestId: string | null;
  engagement?: NewEngagement;
}

/** A delivery as ingest made it or a repeated engagement finds it. */
export interface EngagementDelivery {
  id: string;
  exportId: string;
  status: string;
}

/** A wake-up: the row state it was queued for, and whether its job is running again. */
export interface ClaimKey {
  deliveryId: string;
  attemptCount: number;
  rerun: boolean;
}

/** A delivery just claimed (`delivering`), with what the worker needs to build the webhook. */
export interface ClaimedDelivery {
  id: string;
  exportId: string;
  /** Attempts recorded so far, a cut-off attempt counted by a rerun's claim included. */
  attemptCount: number;
  scheduleIndex: number;
  engagement: { payload: string; receivedAt: Date };
  /** Read in the claim's own statement, for the webhook's body and the worker's log lines. */
  groupId: string;
  eventType: EventType;
  requestId: string | null;
}

/** One request sent (or that could not be sent), as `delivery_attempts` keeps it. */
export interface AttemptRow {
  attempt: number;
  startedAt: Date;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** The first 4 KiB of the answer's body. */
  responseSnippet: string | null;
  /** The request as sent: its URL, and its headers as JSON with the access token masked. */
  requestUrl?: string | null;
  requestHeaders?: string | null;
  /** The answer's headers as JSON. */
  responseHeaders?: string | null;
}

/** The delivery's state after an attempt (fields left out keep their value). */
export interface DeliveryUpdate {
  status: OutcomeStatus;
  nextAttemptAt: Date | null;
  lastError: string | null;
  scheduleIndex?: number;
  lastStatusCode?: number | null;
}

/** A finished attempt's rows: its attempts (with their new ids) and the delivery's new state. */
export interface OutcomeRow extends DeliveryUpdate {
  deliveryId: string;
  /** The attempt count the worker claimed the row at (the update is guarded by it). */
  claimedAttemptCount: number;
  attempts: (AttemptRow & { id: string })[];
  /** The attempt count after these attempts. */
  attemptCount: number;
}

/** What a wake-up job is queued for (jobs.ts makes the job id from it). */
export interface DeliveryDue {
  id: string;
  exportId: string;
  attemptCount: number;
  nextAttemptAt: Date | null;
}

/** The unfinished delivery of an ordered export with the lowest sequence: the one every later one waits for. */
export interface OrderedHead extends DeliveryDue {
  status: 'pending' | 'delivering' | 'parked';
}

/**
 * The `error` of the attempt row written for an attempt whose worker died (SIGKILL, a crash, a lost
 * machine) while it was under way: whether the request went out, and whether the receiver took it,
 * nobody can say any more (docs/api/deliveries.md, "Nothing is lost").
 */
export const CUT_OFF_ATTEMPT_ERROR =
  'the worker stopped during this attempt (crash or kill); the receiver may or may not have received it';

export interface DeliveryStore {
  readonly provider: 'sqlite' | 'postgresql';

  /**
   * Inserts the engagements not received before in their group and, atomically with them, one
   * `pending` delivery per enabled export of the group, its id by store/delivery-id.ts. Returns,
   * for each engagement inserted, its deliveries ordered by export id (none when the group has no
   * enabled export); an engagement whose (group, external id) exists is absent from the map.
   */
  ingest(engagements: readonly NewEngagement[], now: Date): Promise<Map<string, EngagementDelivery[]>>;

  /**
   * A delivery outside ingest (AddedDelivery), `pending` and due now, with the next `sequence` of
   * its export, so an ordered export sends it after what is already there.
   */
  addDelivery(delivery: AddedDelivery, now: Date): Promise<void>;

  /**
   * A received engagement and its deliveries by export id (resends included: callers that want
   * only ingest's own pick them by store/delivery-id.ts); null when the group never received it.
   */
  findEngagement(groupId: string, externalId: string): Promise<{ id: string; deliveries: EngagementDelivery[] } | null>;

  /**
   * Moves each delivery still `pending` at the attempt count its key names (or, for a rerun,
   * already `delivering` at it) to `delivering`, and returns those, with their engagements. A row
   * in any other state is left alone and absent from the result, and so is a delivery of an
   * ordered export while one of the export's with a lower `sequence` is `pending`, `delivering` or
   * `parked` (it is held; `delivered`, `failed` and `dead` hold nothing). A rerun that takes back a
   * `delivering` row records the attempt its dead worker was making: an attempt row with
   * CUT_OFF_ATTEMPT_ERROR, counted in `attempt_count` (the claimed delivery carries the new count).
   */
  claim(keys: readonly ClaimKey[], now: Date): Promise<ClaimedDelivery[]>;

  /**
   * Inserts the attempt rows and sets each delivery's new state, atomically, each update guarded
   * by the attempt count it was claimed at (a row another worker moved on from is left intact).
   */
  recordOutcomes(rows: readonly OutcomeRow[], now: Date): Promise<void>;

  /**
   * Sweeper: deliveries `delivering` since before `claimedBefore` (their worker died) back to
   * `pending`, each with an attempt row for the attempt that was cut off (CUT_OFF_ATTEMPT_ERROR,
   * also their `last_error`) counted in `attempt_count`. Returns them with their new attempt count,
   * so that their wake-up (whose job id names it, jobs.ts) can be queued.
   */
  reclaimStale(claimedBefore: Date, limit: number, now: Date): Promise<DeliveryDue[]>;

  /**
   * Sweeper: `pending` deliveries due before `dueBefore`, most overdue first, leaving out those of
   * the exports in `skipExports` (their deferred wake-ups wait in Redis: deliveries/flow/) and
   * those an ordered export holds behind an earlier one (only its head is due).
   */
  overdue(dueBefore: Date, limit: number, skipExports?: readonly string[]): Promise<DeliveryDue[]>;

  /** The head of an ordered export (see OrderedHead); null when nothing of it is unfinished. */
  orderedHead(exportId: string): Promise<OrderedHead | null>;

  /** Sweeper: enabled, authorized exports with deliveries parked since before `parkedBefore`. */
  exportsToResume(parkedBefore: Date): Promise<string[]>;

  /** Parks every `pending` delivery of an export (no attempt spent); returns how many. */
  parkExport(exportId: string, reason: string, now: Date): Promise<number>;

  /** Moves up to `limit` of an export's parked deliveries, oldest first, back to `pending`, due now. */
  resumeParked(exportId: string, limit: number, now: Date): Promise<DeliveryDue[]>;

  /** Closes what the store opened (SQLite: its connection; PostgreSQL shares Prisma's pool). */
  close(): Promise<void>;
}
