import { resolveDatabase } from '../db/target.ts';
import type { DeliveryStatus } from '../deliveries/state.ts';
import type { Deps } from '../deps.ts';
import { postgresRetention } from './postgres.ts';
import { sqliteRetention } from './sqlite.ts';
import type { EngagementCursor, RetentionStatements } from './statements.ts';
import { type Batch, inTurns } from './turns.ts';
import { retentionCutoffs } from './windows.ts';

/**
 * Rows per statement. A batch of deliveries, with their attempts and engagements, holds SQLite's
 * one writer for tens of milliseconds (each row's entries in the indexes on random ids are on pages
 * of their own), and deliveries wait at most that long behind it. Batches of 2,000 cost about half
 * as much per row, holding the writer four times as long (docs/operations.md, "Retention").
 */
export const RETENTION_BATCH = 500;
/**
 * The share of the time the sweep works: after a batch that took t, it rests t × (1 / share − 1)
 * before the next, so at most this share of the writer (and, on SQLite, of the event loop the
 * statements run on) goes to deleting, however large the backlog (docs/operations.md, "Retention").
 */
export const RETENTION_WORK_SHARE = 0.1;
/**
 * A sweep stops after this share of RETENTION_SWEEP_SECONDS, so that it is over before the next
 * one starts (BullMQ queues the next run when this one starts); the next goes on where it stopped.
 */
const BUDGET_SHARE = 0.9;

export const RETENTION_TABLES = [
  'deliveries',
  'delivery_attempts',
  'engagements',
  'audit_log',
  'authorization_requests',
  'notification_outbox',
] as const;
export type RetentionTable = (typeof RETENTION_TABLES)[number];

export interface RetentionReport {
  deleted: Record<RetentionTable, number>;
  /** False when the sweep stopped at its time budget with old rows left for the next one. */
  complete: boolean;
  ms: number;
}

export interface RetentionOptions {
  batch?: number;
  workShare?: number;
  budgetMs?: number;
}

type RetentionDeps = Pick<Deps, 'db' | 'config' | 'clock' | 'logger' | 'metrics'>;

function statementsFor(deps: RetentionDeps): RetentionStatements {
  const target = resolveDatabase(deps.config);
  return target.provider === 'postgresql' ? postgresRetention(deps.db, target.schema) : sqliteRetention(deps.db);
}

/**
 * Deletes what the retention windows let go (docs/operations.md, "Retention"): delivered deliveries
 * after RETENTION_DELIVERED, failed and dead ones after RETENTION_FAILED (pending, delivering and
 * parked ones never), each with its attempts; engagements no delivery refers to any more; audit
 * rows after RETENTION_AUDIT; finished authorization requests and notifications. Batches of each
 * kind take turns (turns.ts), each its own short transaction, with rests between them, so
 * deliveries go on meanwhile; what the time budget leaves is the next sweep's.
 */
export async function sweepRetention(deps: RetentionDeps, options: RetentionOptions = {}): Promise<RetentionReport> {
  const batch = options.batch ?? RETENTION_BATCH;
  const workShare = options.workShare ?? RETENTION_WORK_SHARE;
  const budgetMs = options.budgetMs ?? deps.config.RETENTION_SWEEP_SECONDS * 1000 * BUDGET_SHARE;
  const statements = statementsFor(deps);
  const now = deps.clock.now();
  const cutoffs = retentionCutoffs(deps.config, now);
  const deleted = Object.fromEntries(RETENTION_TABLES.map((t) => [t, 0])) as Record<RetentionTable, number>;
  const count = (table: RetentionTable, rows: number) => {
    if (!rows) return;
    deleted[table] += rows;
    deps.metrics.retentionDeleted.inc({ table }, rows);
  };

  const finished =
    (status: DeliveryStatus, before: Date): Batch =>
    async () => {
      const gone = await statements.deliveries(status, before, cutoffs.engagements, batch);
      count('delivery_attempts', gone.attempts);
      count('deliveries', gone.deliveries);
      count('engagements', gone.engagements);
      return gone.deliveries === batch;
    };
  const byAge =
    (table: RetentionTable, run: () => Promise<number>): Batch =>
    async () => {
      const gone = await run();
      count(table, gone);
      return gone === batch;
    };
  // Engagements that never had a delivery (a group without exports) or lost theirs another way (an
  // export deleted). Those whose deliveries the sweep deletes go with their last one, so this scan
  // comes after the deliveries and walks only what is left.
  let cursor: EngagementCursor;
  const unreferenced: Batch = async () => {
    const scan = await statements.engagements(cursor, cutoffs.engagements, batch);
    count('engagements', scan.deleted);
    cursor = scan.next;
    return cursor !== undefined;
  };

  const started = performance.now();
  const pace = { workShare, deadline: started + budgetMs };
  const complete =
    (await inTurns(
      [
        finished('delivered', cutoffs.delivered),
        finished('failed', cutoffs.failed),
        finished('dead', cutoffs.failed),
        byAge('audit_log', () => statements.audit(cutoffs.audit, batch)),
        byAge('authorization_requests', () =>
          statements.authorizationRequests(cutoffs.authorizationRequests, now, batch),
        ),
        byAge('notification_outbox', () => statements.notifications(cutoffs.notifications, batch)),
      ],
      pace,
    )) && (await inTurns([unreferenced], pace));

  const report = { deleted, complete, ms: Math.round(performance.now() - started) };
  if (Object.values(deleted).some(Boolean)) deps.logger.info(report, 'retention deleted old rows');
  return report;
}
