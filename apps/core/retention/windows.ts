import type { Config } from '../config.ts';

/** The instants before which each kind of row may go (docs/operations.md, "Retention"). */
export interface RetentionCutoffs {
  /** Delivered deliveries last changed before this (their attempts go with them). */
  delivered: Date;
  /** Failed and dead deliveries last changed before this. */
  failed: Date;
  /**
   * Engagements received before this that no delivery row refers to any more. The shorter of the
   * two delivery windows: an engagement of a group without exports (it never had a delivery) stays
   * that long, so posting its id again is still answered as a repeat (docs/api/engagements.md);
   * one whose deliveries were all deleted is always older than this already.
   */
  engagements: Date;
  /** Audit rows written before this. */
  audit: Date;
  /**
   * Authorization requests created before this that are finished (authorized, failed) or expired:
   * RETENTION_FAILED, the window of what an operator looks into when something went wrong.
   */
  authorizationRequests: Date;
  /** Notifications sent or given up on, created before this: RETENTION_DELIVERED, like deliveries. */
  notifications: Date;
}

export function retentionCutoffs(
  config: Pick<Config, 'RETENTION_DELIVERED' | 'RETENTION_FAILED' | 'RETENTION_AUDIT'>,
  now: Date,
): RetentionCutoffs {
  const ago = (ms: number) => new Date(now.getTime() - ms);
  return {
    delivered: ago(config.RETENTION_DELIVERED),
    failed: ago(config.RETENTION_FAILED),
    engagements: ago(Math.min(config.RETENTION_DELIVERED, config.RETENTION_FAILED)),
    audit: ago(config.RETENTION_AUDIT),
    authorizationRequests: ago(config.RETENTION_FAILED),
    notifications: ago(config.RETENTION_DELIVERED),
  };
}
