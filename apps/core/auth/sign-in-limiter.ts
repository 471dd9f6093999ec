import type { Redis } from 'ioredis';
import { AppError } from '../errors.ts';

// Guesses are limited twice, as rate-limiter-flexible's "login endpoint protection" recipe does:
// per account and address (stops guessing one member's password) and per address (stops spraying
// many accounts). Only failures stay counted: a success clears the account's counter and gives
// the address its attempt back.
//
// The attempt is TAKEN before the credential is checked, in one Lua script (Redis runs a script
// atomically, https://redis.io/docs/latest/develop/interactive/programmability/eval-intro/): a
// "check the count, then count the failure afterwards" pair lets every request that arrives
// before the first failure is counted through, whichever API process it reaches, so parallel
// guesses would bypass the limit. With the count taken first, at most FAILURES_PER_ACCOUNT_AND_IP
// attempts are ever being checked or counted for one account and address.
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

/**
 * Who is trying: the account named and the caller's address. `subject` names what a guess would
 * be tested against: a username for passwords, `api-key:<id>` or `partner:<id>` for login keys
 * (a partner's secret signs every one of its users' keys, so guesses for any user test it).
 */
export interface SignInAttempt {
  subject: string;
  ip: string;
}

// Both counters share the address as a hash tag so the script's two keys live in one slot of a
// Redis Cluster (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/).
function keys(attempt: SignInAttempt): [account: string, address: string] {
  const address = `auth:sign-in:{${attempt.ip}}`;
  return [`${address}:account:${attempt.subject.toLowerCase()}`, address];
}

// KEYS: account-and-address counter, address counter. ARGV: their limits and windows (ms).
// Answers 0 when the attempt was taken (both counters +1), else the milliseconds until the
// exhausted counter(s) expire. Neither counter moves on a refusal: an attempt that is never
// checked is not a failure, so hammering a locked account does not also lock the address.
const TAKE = `
local function full(key, limit, window)
  if tonumber(redis.call('GET', key) or '0') < tonumber(limit) then return 0 end
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then redis.call('PEXPIRE', key, window); ttl = tonumber(window) end
  return ttl
end
local wait = math.max(full(KEYS[1], ARGV[1], ARGV[2]), full(KEYS[2], ARGV[3], ARGV[4]))
if wait > 0 then return wait end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if redis.call('INCR', KEYS[2]) == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[4]) end
return 0
`;

// KEYS as above. Clears the account's counter and gives the address its attempt back, never
// below zero and keeping its expiry (a DECR on a key that has since expired would create a
// counter that never expires).
const SUCCEED = `
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 0
`;

/**
 * Takes one attempt for this account and address BEFORE the credential is checked; throws
 * RateLimitedError (nothing taken) when either limit is used up. A failed check needs no further
 * call: the attempt stays counted. A successful one calls `recordSignInSuccess`.
 */
export async function takeSignInAttempt(redis: Redis, attempt: SignInAttempt): Promise<void> {
  const waitMs = Number(
    await redis.eval(
      TAKE,
      2,
      ...keys(attempt),
      FAILURES_PER_ACCOUNT_AND_IP,
      ACCOUNT_AND_IP_WINDOW_SECONDS * 1000,
      FAILURES_PER_IP,
      IP_WINDOW_SECONDS * 1000,
    ),
  );
  if (waitMs > 0) throw new RateLimitedError(Math.max(1, Math.ceil(waitMs / 1000)));
}

/** After a credential checked out: forgets the account's failures and returns the address's attempt. */
export async function recordSignInSuccess(redis: Redis, attempt: SignInAttempt): Promise<void> {
  await redis.eval(SUCCEED, 2, ...keys(attempt));
}
