/**
 * The delivery state machine: every status a delivery row can have and the moves between them.
 * The store's statements (store/*), the API's views and filters (queries.ts, retry.ts) and the
 * worker (record.ts) take their vocabulary from here.
 *
 *   pending ──claim──▶ delivering ──outcome──▶ delivered | pending (retry) | failed | dead | parked
 *   pending ──export parked──▶ parked ──resume──▶ pending
 *   delivering ──sweeper, lease expired──▶ pending
 *   failed | dead ──retry, replay──▶ pending
 */
export const DELIVERY_STATUSES = ['pending', 'delivering', 'delivered', 'failed', 'dead', 'parked'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The statuses an attempt's outcome may write (a retry writes `pending` again). */
export const OUTCOME_STATUSES = ['pending', 'delivered', 'failed', 'dead', 'parked'] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

/** Deliveries not finished yet: waiting for an attempt, in one, or parked (the backlog). */
export const WAITING_STATUSES = ['pending', 'delivering', 'parked'] as const;

/** Deliveries an operator may send again: they stopped for good. */
export const RETRYABLE_STATUSES = ['failed', 'dead'] as const;
export type RetryableStatus = (typeof RETRYABLE_STATUSES)[number];

/** Which status may follow which; anything else is a bug in a statement. */
export const TRANSITIONS: Readonly<Record<DeliveryStatus, readonly DeliveryStatus[]>> = {
  pending: ['delivering', 'parked'],
  delivering: ['pending', 'delivered', 'failed', 'dead', 'parked'],
  delivered: [],
  failed: ['pending'],
  dead: ['pending'],
  parked: ['pending'],
};

export function canTransition(from: DeliveryStatus, to: DeliveryStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isDeliveryStatus(value: string): value is DeliveryStatus {
  return (DELIVERY_STATUSES as readonly string[]).includes(value);
}

export function isRetryableStatus(value: string): value is RetryableStatus {
  return (RETRYABLE_STATUSES as readonly string[]).includes(value);
}
