import { TtlCache } from '../cache.ts';
import type { Clock } from '../clock.ts';
import type { AccessToken, StoredTokens } from './token-types.ts';

/**
 * How long a process reuses the tokens it read (one database read per burst instead of one per
 * delivery). A token another process refreshed meanwhile is still valid; one that was revoked
 * gets a 401, and the refresh that follows reads the database again.
 */
export const TOKEN_CACHE_MS = 1_000;

/**
 * What this process keeps of tokens (built by the composition root): the stored tokens it read,
 * for TOKEN_CACHE_MS of the injected clock, and the refreshes running, one per connection that
 * every in-process caller shares.
 */
export interface TokenCache {
  tokens: TtlCache<Promise<StoredTokens>>;
  refreshes: Map<string, { fromVersion: number; promise: Promise<AccessToken> }>;
  close(): Promise<void>;
}

export function createTokenCache(clock: Clock): TokenCache {
  const tokens = new TtlCache<Promise<StoredTokens>>(clock, { ttlMs: TOKEN_CACHE_MS, maxEntries: 10_000 });
  const refreshes = new Map<string, { fromVersion: number; promise: Promise<AccessToken> }>();
  return {
    tokens,
    refreshes,
    // Refreshes under way are let finish: each stores the new tokens before anything uses them.
    close: async () => {
      await Promise.allSettled([...refreshes.values()].map((r) => r.promise));
      tokens.clear();
    },
  };
}
