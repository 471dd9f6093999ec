import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';

/**
 * Every queue, its payload and its policy, in one place (processors in workers/ stay thin).
 * Payloads carry ids only: secrets and codes stay encrypted in the database.
 */
export const QUEUES = {
  /** Swaps an authorization code for tokens; payload: the authorization request's id. */
  tokenExchange: 'token-exchange',
} as const;

export interface TokenExchangeJob {
  authorizationRequestId: string;
}

export interface JobPayloads {
  [QUEUES.tokenExchange]: TokenExchangeJob;
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
};

export type Queues = { [K in QueueName]: Queue<JobPayloads[K]> };

/** Builds the queue handles (producers); workers build their own connections. */
export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const make = <K extends QueueName>(name: K) =>
    new Queue<JobPayloads[K]>(name, { connection, prefix, defaultJobOptions: JOB_OPTIONS[name] });
  return Object.fromEntries(Object.values(QUEUES).map((name) => [name, make(name)])) as unknown as Queues;
}
