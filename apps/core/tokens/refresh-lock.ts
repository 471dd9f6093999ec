import { randomToken } from '../ids.ts';
import type { Redis } from 'ioredis';

// Delete the key only if it still holds our token: a lock that expired and was taken by another
// process must not be released by us (the single-instance pattern of redis.io "Distributed Locks").
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** A lock held in Redis, shared by every connector process using that Redis. */
export interface HeldLock {
  release(): Promise<void>;
}

/** Takes the lock if free (SET NX PX); null when another holder has it. It expires after `ttlMs`. */
export async function tryLock(redis: Redis, key: string, ttlMs: number): Promise<HeldLock | null> {
  const token = randomToken(16);
  const taken = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (taken !== 'OK') return null;
  return {
    release: async () => {
      await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    },
  };
}
