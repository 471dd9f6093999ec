import { type ConnectionOptions, type Job, Worker } from 'bullmq';
import pLimit from 'p-limit';
import { DeliveryRunner, type WakeUp } from '../apps/core/deliveries/flow/runner.ts';
import { parseDeliveryJobId } from '../apps/core/deliveries/jobs.ts';
import type { DeliveryOutcome } from '../apps/core/deliveries/process.ts';
import type { Deps } from '../apps/core/deps.ts';
import { type DeliveryJob, QUEUES } from '../apps/core/queues.ts';

/**
 * The delivery worker: a job is a wake-up for one delivery (its id names the row state it is for)
 * or for a batch of deliveries due now; the row in the database decides what happens, and each
 * export's flow control (apps/core/deliveries/flow/) whether it is sent now or waits for room. At
 * most WORKER_CONCURRENCY deliveries are in flight per process, whichever jobs they came from.
 */
export function startDeliveryWorker(deps: Deps): Worker<DeliveryJob> {
  const inFlight = pLimit(deps.config.WORKER_CONCURRENCY);
  const runner = new DeliveryRunner(deps, (task) => inFlight(task), deps.config.WORKER_CONCURRENCY);
  const worker = new Worker<DeliveryJob>(QUEUES.delivery, (job) => runDeliveryJob(deps, job, runner), {
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
  // Deliveries handed a lease while they waited run outside any job: closing waits for them too,
  // after the jobs (whose leases, given back meanwhile, are no longer handed on).
  const closeWorker = worker.close.bind(worker);
  worker.close = async (force?: boolean) => {
    runner.stop();
    await closeWorker(force);
    await runner.close();
  };
  return worker;
}

async function runDeliveryJob(deps: Deps, job: Job<DeliveryJob>, runner: DeliveryRunner): Promise<DeliveryOutcome[]> {
  // A job started before (its worker died, or the processor threw) may take back its own claims.
  const rerun = job.attemptsStarted > 1;
  if ('deliveries' in job.data) {
    const wakes: WakeUp[] = job.data.deliveries.map((d) => ({
      deliveryId: d.id,
      attemptCount: d.attemptCount,
      exportId: d.exportId,
    }));
    // One that threw (database unreachable) stays claimed at its attempt count: BullMQ runs the
    // whole job again, the others are no longer pending and are skipped, and this one is taken back.
    return runner.run(wakes, rerun);
  }
  const key = parseDeliveryJobId(job.id);
  if (!key) {
    deps.logger.warn({ jobId: job.id }, 'a delivery job with an id this connector did not make was ignored');
    return ['skipped'];
  }
  return runner.run(
    [{ deliveryId: key.deliveryId, attemptCount: key.attemptCount, exportId: job.data.exportId }],
    rerun,
  );
}
