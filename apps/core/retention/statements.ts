import type { DeliveryStatus } from '../deliveries/state.ts';

/** What one batch of finished deliveries took with it. */
export interface DeliveryBatch {
  deliveries: number;
  attempts: number;
  /** Engagements whose last delivery was in the batch. */
  engagements: number;
}

/** Where a scan of old engagements has got to: the last one it looked at, in index order. */
export type EngagementCursor = { at: string; key: string | number } | undefined;

export interface EngagementScan {
  scanned: number;
  deleted: number;
  /** Where the next batch starts; undefined when the scan reached the cutoff. */
  next: EngagementCursor;
}

/**
 * The statements of the retention sweep, one implementation per database (postgres.ts,
 * sqlite.ts). Each call deletes at most `limit` rows of its table in one short transaction and
 * re-checks every condition where it deletes, so a row that changed meanwhile (a failed delivery
 * sent again) stays.
 */
export interface RetentionStatements {
  /** Deliveries in `status` last changed before `before`, their attempts, and engagements left without a delivery. */
  deliveries(status: DeliveryStatus, before: Date, engagementsBefore: Date, limit: number): Promise<DeliveryBatch>;
  /** Looks at up to `limit` engagements received before `before`, after `cursor`, and deletes those without a delivery. */
  engagements(cursor: EngagementCursor, before: Date, limit: number): Promise<EngagementScan>;
  audit(before: Date, limit: number): Promise<number>;
  /** Finished or expired (by `now`) authorization requests created before `before`. */
  authorizationRequests(before: Date, now: Date, limit: number): Promise<number>;
  /** Notifications sent or given up on, created before `before`. */
  notifications(before: Date, limit: number): Promise<number>;
}

/**
 * Authorization requests nobody waits for any more: the code exchange ended
 * (apps/core/oauth/exchange.ts writes these) or the request expired unused (apps/core/oauth/authorize.ts).
 */
export const FINISHED_AUTHORIZATION_STATUSES = ['authorized', 'failed'] as const;

/** Notification rows that will not be sent again: sent, or given up on (apps/core/notifications/outbox.ts). */
export const FINISHED_NOTIFICATION_STATUSES = ['sent', 'failed'] as const;
