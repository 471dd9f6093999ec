import { Redis, type RedisOptions } from 'ioredis';
import type { ErrorCode } from '../error-codes.ts';

/**
 * How long a request-side command may wait for an answer on an open connection. An answer on
 * loopback takes ≈ 100 µs (docs/field-notes.md); this is only reached when Redis stops answering
 * without closing the socket (a frozen server, a network partition), and keeps docs/operations.md's
 * "503 within 2 s" with room for the rest of the request.
 */
const REQUEST_COMMAND_TIMEOUT_MS = 1_000;

/**
 * Options for connections that serve a request while the caller waits: the API's own commands
 * (revocation checks, nonces, the sign-in limiter) and the queue handles that add jobs.
 *
 * BullMQ's production guide separates the two kinds of connection: producers should fail fast,
 * workers wait (docs.bullmq.io/guide/going-to-production, "Automatic reconnections", and
 * docs.bullmq.io/patterns/failing-fast-when-redis-is-down; docs/field-notes.md). With the offline
 * queue off, ioredis rejects a command at once while it is not connected instead of keeping it
 * until Redis is back, so a dead Redis answers in milliseconds. A command caught by a dropped
 * connection is rejected when the reconnect after it fails too (`maxRetriesPerRequest: 1`) or at
 * the command timeout, and is never sent again after reconnecting (`autoResendUnfulfilledCommands`
 * off; ioredis README, "Auto-reconnect"): nothing a request asked for runs later, after that
 * request already answered 503.
 */
export const REQUEST_SIDE_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  autoResendUnfulfilledCommands: false,
  commandTimeout: REQUEST_COMMAND_TIMEOUT_MS,
  // A connection attempt to a host that does not answer gives up quickly and is tried again.
  connectTimeout: 1_000,
  // Reconnect soon after Redis comes back (ioredis' default grows to 2 s between attempts).
  retryStrategy: (times: number) => Math.min(times * 100, 1_000),
} satisfies RedisOptions;

/**
 * The request-side ioredis connection (see REQUEST_SIDE_OPTIONS): commands fail within about a
 * second when Redis is unreachable, and the connection reconnects by itself when it is back.
 * BullMQ workers build their own connections with `maxRetriesPerRequest: null` (they wait).
 */
export function createRedis(url: string, name: string): Redis {
  const redis = new Redis(url, { ...REQUEST_SIDE_OPTIONS, connectionName: name, enableReadyCheck: true });
  // Errors surface through the commands that fail; without a listener ioredis would print them.
  redis.on('error', () => undefined);
  return redis;
}

/** Resolves once a connection is ready for commands (with the offline queue off, earlier ones fail). */
export function redisReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      redis.off('end', onEnd);
      resolve();
    };
    const onEnd = () => {
      redis.off('ready', onReady);
      reject(new Error('the Redis connection ended before it was ready'));
    };
    redis.once('ready', onReady);
    redis.once('end', onEnd);
  });
}

/**
 * Redis or the database could not answer, so the work cannot be done right now: the API answers
 * 503 DEPENDENCY_UNAVAILABLE (apps/http/problem.ts). Not an AppError on purpose: it is no
 * verdict on the request (a refusal audited as such), only "not now".
 */
export class DependencyUnavailableError extends Error {
  readonly code = 'DEPENDENCY_UNAVAILABLE' satisfies ErrorCode;
  constructor(
    readonly dependency: 'redis' | 'database',
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'DependencyUnavailableError';
  }
}

// What ioredis rejects a command with when Redis cannot answer it: with the offline queue off, a
// command while disconnected; a command caught by a dropped connection after its retries
// (MaxRetriesPerRequestError); REQUEST_COMMAND_TIMEOUT_MS passed.
const UNAVAILABLE_MESSAGES = new Set([
  "Stream isn't writeable and enableOfflineQueue options is false",
  'Connection is closed.',
  'Command timed out',
]);
// Redis replies that mean "not now": LOADING while a restarted server reads its data back,
// READONLY and MASTERDOWN during a failover, CLUSTERDOWN and TRYAGAIN while a cluster heals.
const TRANSIENT_REPLY = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/;

/** Whether an error (or one of its causes) says Redis could not be reached or could not answer now. */
export function isRedisUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 6; depth++) {
    const { name, message } = e as { name?: unknown; message?: unknown };
    if (name === 'MaxRetriesPerRequestError' || (typeof message === 'string' && UNAVAILABLE_MESSAGES.has(message))) {
      return true;
    }
    if (name === 'ReplyError' && typeof message === 'string' && TRANSIENT_REPLY.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** A Redis URL as it may be logged or shown: its password replaced. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://(unparsable URL)';
  }
}
