import type { Redis } from 'ioredis';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors.ts';

// Failed sign-ins are limited twice, as rate-limiter-flexible's "login endpoint protection"
// recipe does: per account and address (stops guessing one member's password) and per address
// (stops spraying many accounts). Only failures count; a success clears the account's counter.
export const FAILURES_PER_ACCOUNT_AND_IP = 5;
export const ACCOUNT_AND_IP_WINDOW_SECONDS = 15 * 60;
export const FAILURES_PER_IP = 100;
export const IP_WINDOW_SECONDS = 60 * 60;

/** 429 with the seconds to wait, which the API sends as `Retry-After` (RFC 9110 §10.2.3). */
export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many failed sign-ins; try again in ${retryAfterSeconds} seconds`, 429);
  }
}

interface Limiters {
  accountAndIp: RateLimiterRedis;
  ip: RateLimiterRedis;
}

// One pair per Redis client: the limiter registers a Lua command on the client when built.
const limitersByClient = new WeakMap<Redis, Limiters>();

function limiters(redis: Redis): Limiters {
  let found = limitersByClient.get(redis);
  if (!found) {
    found = {
      accountAndIp: new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: 'auth:sign-in-failures:account-ip',
        points: FAILURES_PER_ACCOUNT_AND_IP,
        duration: ACCOUNT_AND_IP_WINDOW_SECONDS,
      }),
      ip: new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: 'auth:sign-in-failures:ip',
        points: FAILURES_PER_IP,
        duration: IP_WINDOW_SECONDS,
      }),
    };
    limitersByClient.set(redis, found);
  }
  return found;
}

/** Who is trying: the account named (any credential kind's subject) and the caller's address. */
export interface SignInAttempt {
  subject: string;
  ip: string;
}

const accountKey = (a: SignInAttempt) => `${a.subject.toLowerCase()}|${a.ip}`;

function waitSeconds(res: RateLimiterRes | null, points: number): number | null {
  if (!res || res.consumedPoints < points) return null;
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** Throws RateLimitedError when this account and address (or this address) failed too often. */
export async function assertSignInAllowed(redis: Redis, attempt: SignInAttempt): Promise<void> {
  const { accountAndIp, ip } = limiters(redis);
  const [perAccount, perIp] = await Promise.all([accountAndIp.get(accountKey(attempt)), ip.get(attempt.ip)]);
  const wait = Math.max(
    waitSeconds(perAccount, FAILURES_PER_ACCOUNT_AND_IP) ?? 0,
    waitSeconds(perIp, FAILURES_PER_IP) ?? 0,
  );
  if (wait > 0) throw new RateLimitedError(wait);
}

/** Counts one failed sign-in against the account and address and against the address. */
export async function recordSignInFailure(redis: Redis, attempt: SignInAttempt): Promise<void> {
  const { accountAndIp, ip } = limiters(redis);
  await Promise.all([accountAndIp.penalty(accountKey(attempt)), ip.penalty(attempt.ip)]);
}

/** Forgets the account's failures after a successful sign-in (the address counter stays). */
export async function clearSignInFailures(redis: Redis, attempt: SignInAttempt): Promise<void> {
  await limiters(redis).accountAndIp.delete(accountKey(attempt));
}
