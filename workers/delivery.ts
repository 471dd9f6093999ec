import { type ConnectionOptions, type Job, Worker } from 'bullmq';
import pLimit from 'p-limit';
import { parseDeliveryJobId } from '../apps/core/deliveries/jobs.ts';
import { type DeliveryOutcome, processDelivery } from '../apps/core/deliveries/process.ts';
import type { Deps } from '../apps/core/deps.ts';
import { type DeliveryJob, QUEUES } from '../apps/core/queues.ts';

/**
 * The delivery worker: a job is a wake-up for one delivery (its id names the row state it is for)
 * or for a batch of deliveries due now; the row in the database decides what happens. At most
 * WORKER_CONCURRENCY deliveries are in flight per process, whichever jobs they came from.
 */
export function startDeliveryWorker(deps: Deps): Worker<DeliveryJob> {
  const inFlight = pLimit(deps.config.WORKER_CONCURRENCY);
  const worker = new Worker<DeliveryJob>(QUEUES.delivery, (job) => runDeliveryJob(deps, job, inFlight), {
    // BullMQ takes `url` (bullmq/dist/esm/classes/redis-connection.js builds ioredis from it), but its
    // ConnectionOptions type, ioredis' RedisOptions, has no such field: hence the cast.
    connection: { url: deps.redisUrl, maxRetriesPerRequest: null } as ConnectionOptions,
    prefix: deps.queuePrefix,
    concurrency: deps.config.WORKER_CONCURRENCY,
  });
  worker.on('failed', (job, error) => {
    deps.logger.error({ err: error, jobId: job?.id, attemptsMade: job?.attemptsMade }, 'delivery job failed');
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, 'delivery worker error'));
  return worker;
}

type Slot = (task: () => Promise<DeliveryOutcome>) => Promise<DeliveryOutcome>;

async function runDeliveryJob(deps: Deps, job: Job<DeliveryJob>, slot: Slot): Promise<DeliveryOutcome[]> {
  // A job started before (its worker died, or the processor threw) may take back its own claims.
  const rerun = job.attemptsStarted > 1;
  if ('deliveries' in job.data) {
    const outcomes = await Promise.allSettled(
      job.data.deliveries.map((d) =>
        slot(() => processDelivery(deps, { deliveryId: d.id, attemptCount: d.attemptCount }, rerun)),
      ),
    );
    // One that threw (database unreachable) stays claimed at its attempt count: BullMQ runs the
    // whole job again, the others are no longer pending and are skipped, and this one is taken back.
    const failure = outcomes.find((o) => o.status === 'rejected');
    if (failure) throw failure.reason;
    return outcomes.map((o) => (o as PromiseFulfilledResult<DeliveryOutcome>).value);
  }
  const key = parseDeliveryJobId(job.id);
  if (!key) {
    deps.logger.warn({ jobId: job.id }, 'a delivery job with an id this connector did not make was ignored');
    return ['skipped'];
  }
  return [await slot(() => processDelivery(deps, key, rerun))];
}
