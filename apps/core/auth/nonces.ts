import type { Redis } from 'ioredis';
import { sha256Hex } from '../crypto/hashing.ts';

/**
 * Single-use values (request nonces, login keys, exchanged ID tokens) remembered in Redis, which
 * every API process shares: `SET key 1 NX EX ttl` succeeds for the first process only, so a replay
 * sent to another process is refused too. Values are stored as hashes (a login key or ID token
 * is a credential; its hash is not).
 */
export async function claimOnce(redis: Redis, scope: string, value: string, ttlSeconds: number): Promise<boolean> {
  const key = `once:${scope}:${sha256Hex(value)}`;
  const answer = await redis.set(key, '1', 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX');
  return answer === 'OK';
}
