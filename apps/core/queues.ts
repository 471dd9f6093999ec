import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';
import { REQUEST_SIDE_OPTIONS } from './redis/connection.ts';

/**
 * Every queue, its payload and its policy, in one place (processors in workers/ stay thin).
 * Payloads carry ids only: secrets and codes stay encrypted in the database.
 */
export const QUEUES = {
  /** Swaps an authorization code for tokens; payload: the authorization request's id. */
  tokenExchange: 'token-exchange',
  /** Pushes one delivery to its export's webhook; payload: the delivery's id (the row is the truth). */
  delivery: 'delivery',
  /** Repeatable housekeeping: the delivery sweeper and scheduled token refreshes. */
  maintenance: 'maintenance',
} as const;

export interface TokenExchangeJob {
  authorizationRequestId: string;
  /** The callback's HTTP request id, carried into the exchange worker's log lines (apps/http/request-id.ts). */
  requestId?: string;
}

/**
 * One delivery a batch wake-up is for, at the attempt count it was queued at, with its export when
 * the caller knew it (flow control asks the export for room before the claim; without it the
 * worker looks it up).
 */
export interface DeliveryWake {
  id: string;
  attemptCount: number;
  exportId?: string;
}

/**
 * A wake-up for one delivery (job name `deliver`; its id names the row state it is for) or for
 * several that are due now (job name `deliver-batch`: fresh from ingest, resumed, replayed).
 */
export type DeliveryJob = { deliveryId: string; exportId?: string } | { deliveries: DeliveryWake[] };

/**
 * What a maintenance run does: `sweep` re-queues what lost its job; `refresh-*` refresh tokens;
 * `retention` deletes what is past its window (docs/operations.md, "Retention"); `notifications`
 * checks exports' health and retries unsent notifications (docs/notifications.md).
 */
export type MaintenanceTask = 'sweep' | 'refresh-expiring' | 'refresh-idle' | 'retention' | 'notifications';

export interface MaintenanceJob {
  task: MaintenanceTask;
}

export interface JobPayloads {
  [QUEUES.tokenExchange]: TokenExchangeJob;
  [QUEUES.delivery]: DeliveryJob;
  [QUEUES.maintenance]: MaintenanceJob;
}

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOB_OPTIONS: Record<QueueName, DefaultJobOptions> = {
  // Codes live for minutes (Salesforce: 15), so retries are quick and few: 1 s, 2 s, 4 s, 8 s.
  [QUEUES.tokenExchange]: {
    attempts: 5,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  },
  // The delivery's own retry schedule lives in the database (attempts, nextAttemptAt); a job is only
  // a wake-up with a deterministic id (apps/core/deliveries/jobs.ts). BullMQ's attempts here cover a
  // processor that threw (database unreachable). Finished jobs are removed at once so that a later
  // wake-up for the same state can be added again; the sweeper re-queues whatever loses its job.
  [QUEUES.delivery]: {
    attempts: 5,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: true,
    removeOnFail: true,
  },
  [QUEUES.maintenance]: {
    attempts: 1,
    removeOnComplete: { count: 100 },
    removeOnFail: { count: 100 },
  },
};

export type Queues = { [K in QueueName]: Queue<JobPayloads[K]> };

/**
 * The connection of the queue handles that add jobs: it fails fast like the API's own Redis
 * connection (redis/connection.ts), so an `add` while Redis is unreachable rejects at once instead
 * of waiting for the reconnect (docs.bullmq.io/patterns/failing-fast-when-redis-is-down), and is
 * never sent later. What the job was for is in the database already: the sweeper queues it
 * (deliveries/sweeper.ts). Workers keep `maxRetriesPerRequest: null` on their own connections.
 */
export function producerConnection(url: string): ConnectionOptions {
  return { url, ...REQUEST_SIDE_OPTIONS } as ConnectionOptions;
}

/** Builds the queue handles (producers); workers build their own connections. */
export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const make = <K extends QueueName>(name: K) => {
    const queue = new Queue<JobPayloads[K]>(name, { connection, prefix, defaultJobOptions: JOB_OPTIONS[name] });
    // Connection errors reach the callers through the commands that fail; without a listener
    // BullMQ prints each one to the console (QueueBase.emit).
    queue.on('error', () => undefined);
    return queue;
  };
  return {
    [QUEUES.tokenExchange]: make(QUEUES.tokenExchange),
    [QUEUES.delivery]: make(QUEUES.delivery),
    [QUEUES.maintenance]: make(QUEUES.maintenance),
  };
}
