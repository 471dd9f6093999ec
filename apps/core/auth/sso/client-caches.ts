import type { Configuration } from 'openid-client';
import type { RemoteJWKSet } from 'jose';
import { TtlCache } from '../../cache.ts';
import type { Clock } from '../../clock.ts';

// Discovery documents change rarely; a process keeps each group's for ten minutes and drops it
// when the group's configuration changes (the cache key includes updatedAt) or discovery failed.
const DISCOVERY_TTL_MS = 10 * 60_000;
const DISCOVERY_CACHE_LIMIT = 1_000;

/** The SSO client's per-process caches, built by the composition root (apps/core/auth/state.ts); apart from
 * client.ts, which takes `Deps`, so the composition root imports no module that imports it. */
export class SsoClientCaches {
  readonly discovered: TtlCache<Promise<Configuration>>;
  readonly jwks = new Map<string, RemoteJWKSet>();

  constructor(clock: Clock) {
    this.discovered = new TtlCache(clock, { ttlMs: DISCOVERY_TTL_MS, maxEntries: DISCOVERY_CACHE_LIMIT });
  }

  close(): void {
    this.discovered.clear();
    this.jwks.clear();
  }
}
