import { type ConnectionOptions, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Deps } from '../apps/core/deps.ts';
import { resumeParkedDeliveries } from '../apps/core/deliveries/parking.ts';
import { exchangeAuthorizationCode } from '../apps/core/oauth/exchange.ts';
import { JOB_OPTIONS, QUEUES, type TokenExchangeJob } from '../apps/core/queues.ts';

/**
 * The `token-exchange` processor: one authorization request id in, the exchange service does the
 * rest. Failures that can pass (timeouts, refused connections, 5xx) are thrown so BullMQ retries
 * them (queues.ts: 5 attempts, 1 s exponential backoff); the others are already recorded for the
 * manager and end the job as an UnrecoverableError. Error texts never hold a secret or a code.
 */
export function tokenExchangeProcessor(deps: Deps) {
  return async (job: Job<TokenExchangeJob>) => {
    const outcome = await exchangeAuthorizationCode(
      deps,
      job.data.authorizationRequestId,
      {
        attempt: job.attemptsMade + 1,
        maxAttempts: job.opts.attempts ?? JOB_OPTIONS[QUEUES.tokenExchange].attempts ?? 1,
      },
      // Deliveries parked while the export had no usable token go out again, oldest first.
      resumeParkedDeliveries,
      // The callback's request id: the exchange's log lines carry it (docs/operations.md, "Request ids").
      { requestId: job.data.requestId },
    );
    if (outcome.status === 'retry') throw new Error(outcome.message);
    if (outcome.status === 'failed') throw new UnrecoverableError(outcome.message);
    return { status: outcome.status };
  };
}

/** Starts the token-exchange worker. Few jobs, each mostly waiting on the CRM: a small concurrency is plenty. */
export function startTokenExchangeWorker(deps: Deps): Worker<TokenExchangeJob> {
  const worker = new Worker<TokenExchangeJob>(QUEUES.tokenExchange, tokenExchangeProcessor(deps), {
    // BullMQ takes `url` (bullmq/dist/esm/classes/redis-connection.js builds ioredis from it), but its
    // ConnectionOptions type, ioredis' RedisOptions, has no such field: hence the cast.
    connection: { url: deps.redisUrl, maxRetriesPerRequest: null } as ConnectionOptions,
    prefix: deps.queuePrefix,
    concurrency: Math.min(deps.config.WORKER_CONCURRENCY, 10),
  });
  worker.on('error', (error) => deps.logger.error({ err: error, queue: QUEUES.tokenExchange }, 'worker error'));
  return worker;
}
