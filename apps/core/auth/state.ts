import type { Redis } from 'ioredis';
import type { Db } from '../db/client.ts';
import type { Clock } from '../clock.ts';
import { RoleCache } from '../groups/role-cache.ts';
import { CoalescedReads } from '../redis/coalesced-reads.ts';
import { SsoClientCaches } from './sso/client-caches.ts';
import { AuthTokenVerifier } from './tokens/tokens.ts';

/**
 * What authentication keeps per process (apps/core/deps.ts builds it once and closes it): tokens
 * that verified, members' current roles, the Redis reads coalesced into one MGET per turn, and
 * SSO providers' discovery documents and signing keys. Every cache reads the injected clock.
 */
export interface AuthState {
  tokens: AuthTokenVerifier;
  roles: RoleCache;
  /** Revocation and role-version reads of every request in one turn of the event loop share one MGET. */
  reads: CoalescedReads;
  sso: SsoClientCaches;
  close(): void;
}

export function createAuthState(parts: { db: Db; redis: Redis; clock: Clock; tokenSigningKey: Uint8Array }): AuthState {
  const reads = new CoalescedReads(parts.redis);
  const tokens = new AuthTokenVerifier(parts.tokenSigningKey, parts.clock);
  const roles = new RoleCache(parts.db, reads, parts.clock);
  const sso = new SsoClientCaches(parts.clock);
  return {
    tokens,
    roles,
    reads,
    sso,
    close: () => {
      tokens.close();
      roles.close();
      sso.close();
    },
  };
}
