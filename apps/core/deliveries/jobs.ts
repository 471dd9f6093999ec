import type { Clock } from '../clock.ts';
import type { DeliveryWake, Queues } from '../queues.ts';

/** The fields of a delivery row that say which wake-up it is waiting for (and its export, when known). */
export interface DeliveryState {
  id: string;
  attemptCount: number;
  nextAttemptAt: Date | null;
  exportId?: string;
}

export interface JobKey {
  deliveryId: string;
  attemptCount: number;
  dueAt: number;
}

const BULK_SIZE = 500;

/** The job name of a wake-up for several deliveries due now. */
export const BATCH_JOB = 'deliver-batch';
/**
 * Deliveries per batch wake-up. A BullMQ job costs two Lua scripts and their round trips in Redis
 * and the worker, about as much as the webhook POST itself; one job for up to this many deliveries
 * takes that cost off each. Small enough that one worker process does not take a whole backlog.
 */
export const BATCH_JOB_SIZE = 50;

/**
 * The BullMQ job id of a delivery's next wake-up: delivery id, attempt count and due time. The
 * same row state always gives the same id, so queueing it twice (after a crash, by the sweeper)
 * adds one job; a new state (next attempt, resumed, retried) gives a new id. BullMQ refuses `:`.
 */
export function deliveryJobId(state: DeliveryState): string {
  return `${state.id}.${state.attemptCount}.${state.nextAttemptAt?.getTime() ?? 0}`;
}

/** The row state a job was queued for; null for an id this module did not make. */
export function parseDeliveryJobId(jobId: string | undefined): JobKey | null {
  const match = jobId ? /^(.+)\.(\d+)\.(\d+)$/.exec(jobId) : null;
  if (!match) return null;
  return { deliveryId: match[1] as string, attemptCount: Number(match[2]), dueAt: Number(match[3]) };
}

/**
 * Queues wake-ups for deliveries that are due now (after their transaction committed), several
 * per job, in the order given (callers pass oldest first). The job id comes from the first
 * delivery's state and the batch's size, so repeating the same call adds nothing; `idPrefix`
 * (default `batch`) keeps wake-ups of another kind (the next of an ordered export, the sweeper's
 * nudge) apart from one still queued or running for the same delivery. A batch that loses its job
 * is queued again one by one by the sweeper, like any other overdue delivery.
 */
export async function queueDeliveryBatches(
  deps: { queues: Queues },
  rows: readonly DeliveryWake[],
  options: { idPrefix?: string } = {},
): Promise<void> {
  const jobs = [];
  for (let start = 0; start < rows.length; start += BATCH_JOB_SIZE) {
    const deliveries = rows.slice(start, start + BATCH_JOB_SIZE);
    const first = deliveries[0] as DeliveryWake;
    jobs.push({
      name: BATCH_JOB,
      data: { deliveries: deliveries.map(wakeOf) },
      opts: { jobId: `${options.idPrefix ?? 'batch'}.${first.id}.${first.attemptCount}.${deliveries.length}` },
    });
  }
  for (let start = 0; start < jobs.length; start += BULK_SIZE) {
    await deps.queues.delivery.addBulk(jobs.slice(start, start + BULK_SIZE));
  }
}

/**
 * Queues wake-ups for delivery rows (after their transaction committed), delayed until each row's
 * `nextAttemptAt`, in the order given (callers pass oldest first). Adding an existing job id is a
 * no-op in BullMQ, which makes this safe to repeat.
 */
export async function queueDeliveries(
  deps: { queues: Queues; clock: Clock },
  rows: readonly DeliveryState[],
): Promise<void> {
  const now = deps.clock.now().getTime();
  for (let start = 0; start < rows.length; start += BULK_SIZE) {
    await deps.queues.delivery.addBulk(
      rows.slice(start, start + BULK_SIZE).map((row) => {
        const delay = Math.max(0, (row.nextAttemptAt?.getTime() ?? now) - now);
        return {
          name: 'deliver',
          data: row.exportId ? { deliveryId: row.id, exportId: row.exportId } : { deliveryId: row.id },
          opts: { jobId: deliveryJobId(row), ...(delay > 0 ? { delay } : {}) },
        };
      }),
    );
  }
}

/** A batch job's entry for one delivery (the export only when known). */
function wakeOf(row: DeliveryWake): DeliveryWake {
  return row.exportId
    ? { id: row.id, attemptCount: row.attemptCount, exportId: row.exportId }
    : { id: row.id, attemptCount: row.attemptCount };
}
