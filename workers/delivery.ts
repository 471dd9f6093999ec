import { Worker } from 'bullmq';
import { processDelivery } from '../apps/core/deliveries/process.ts';
import type { Deps } from '../apps/core/deps.ts';
import { type DeliveryJob, QUEUES } from '../apps/core/queues.ts';

/**
 * The delivery worker: each job is a wake-up for one delivery (its id names the row state it is
 * for); the row in the database decides what happens. WORKER_CONCURRENCY jobs at once per process.
 */
export function startDeliveryWorker(deps: Deps): Worker<DeliveryJob> {
  const worker = new Worker<DeliveryJob>(
    QUEUES.delivery,
    // A job started before (its worker died, or the processor threw) may take back its own claim.
    (job) => processDelivery(deps, job.id as string, job.attemptsStarted > 1),
    {
      connection: { url: deps.redisUrl, maxRetriesPerRequest: null } as never,
      prefix: deps.queuePrefix,
      concurrency: deps.config.WORKER_CONCURRENCY,
    },
  );
  worker.on('failed', (job, error) => {
    deps.logger.error({ err: error, jobId: job?.id, attemptsMade: job?.attemptsMade }, 'delivery job failed');
  });
  worker.on('error', (error) => deps.logger.error({ err: error }, 'delivery worker error'));
  return worker;
}
