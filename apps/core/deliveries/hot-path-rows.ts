import type { AttemptRow, DeliveryUpdate } from './write.ts';

// What the delivery hot path's statements take and give, the same on both databases
// (postgres-hot-path.ts, sqlite-hot-path.ts).

/** An engagement to insert, with the id it gets if it is new in its group. */
export interface NewEngagement {
  id: string;
  groupId: string;
  externalId: string;
  json: string;
}

/** A wake-up: the row state it was queued for, and whether its job is running again. */
export interface ClaimKey {
  deliveryId: string;
  attemptCount: number;
  rerun: boolean;
}

/** A delivery just claimed, with its engagement. */
export interface ClaimedRow {
  id: string;
  export_id: string;
  attempt_count: number;
  schedule_index: number;
  payload: string;
  /** A Date from PostgreSQL (SQLite's claim, which shares this shape, gives ISO text). */
  received_at: Date | string;
}

/** A finished attempt's rows: its attempts (with their new ids) and the delivery's new state. */
export interface OutcomeRow extends DeliveryUpdate {
  deliveryId: string;
  /** The attempt count the worker claimed the row at (the update is guarded by it). */
  claimedAttemptCount: number;
  attempts: (AttemptRow & { id: string })[];
  attemptCount: number;
}
