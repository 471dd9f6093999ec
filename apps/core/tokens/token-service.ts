import { loadTokens, type StoredTokens } from '../oauth/connection-store.ts';
import { type AccessToken, expiresWithin, loadUsableTokens, type TokenDeps, toAccessToken } from './access-token.ts';
import { type RefreshReason, refreshUnderLock } from './refresh.ts';

export type { AccessToken, TokenDeps } from './access-token.ts';

/** How far ahead of expiry the scheduled job refreshes (so deliveries rarely wait for a refresh). */
export const SCHEDULED_REFRESH_MARGIN_MS = 5 * 60_000;

export { TOKEN_CACHE_MS } from './token-cache.ts';

function cachedUsableTokens(deps: TokenDeps, exportId: string): Promise<StoredTokens> {
  return deps.tokenCache.tokens.getOrLoad(exportId, () => loadUsableTokens(deps, exportId));
}

/**
 * The export's access token, refreshed first when it expires within 60 s. A token without an
 * expiry (Salesforce: the session timeout is per org) is used until the CRM answers 401.
 * Throws TokenUnavailableError (park or postpone) when there is none to give.
 */
export async function getAccessToken(deps: TokenDeps, exportId: string): Promise<AccessToken> {
  const stored = await cachedUsableTokens(deps, exportId);
  if (expiresWithin(stored, deps.clock.now())) return refreshAccessToken(deps, exportId, stored.version, 'expiring');
  return toAccessToken(exportId, stored);
}

/**
 * A newer access token after the CRM refused the one of `rejectedVersion` (401): the token another
 * caller refreshed meanwhile, or a refresh of our own.
 */
export function refreshAfterRejection(
  deps: TokenDeps,
  exportId: string,
  rejectedVersion: number,
): Promise<AccessToken> {
  return refreshAccessToken(deps, exportId, rejectedVersion, 'rejected');
}

/**
 * The scheduled refreshes (maintenance worker): `expiring` refreshes a token that expires within
 * five minutes; `idle` refreshes a token regardless, so a refresh token that lapses when unused
 * (some Salesforce orgs) stays alive. Returns whether it refreshed.
 */
export async function refreshScheduled(
  deps: TokenDeps,
  exportId: string,
  reason: 'expiring' | 'idle',
): Promise<boolean> {
  const stored = await loadTokens(deps, exportId);
  if (stored?.status !== 'authorized' || !stored.refreshToken) return false;
  if (reason === 'expiring' && !expiresWithin(stored, deps.clock.now(), SCHEDULED_REFRESH_MARGIN_MS)) return false;
  await refreshAccessToken(deps, exportId, stored.version, reason);
  return true;
}

/**
 * One refresh at a time per connection: in this process every caller shares one promise; across
 * processes a Redis lock decides (refresh.ts), and the connection is read again after taking it.
 */
function refreshAccessToken(
  deps: TokenDeps,
  exportId: string,
  seenVersion: number,
  reason: RefreshReason,
): Promise<AccessToken> {
  const inflight = deps.tokenCache.refreshes;
  const running = inflight.get(exportId);
  // A refresh that started from this version (or a later one) yields a token newer than ours.
  if (running && running.fromVersion >= seenVersion) return running.promise;
  const map = inflight;
  const promise = refreshUnderLock(deps, exportId, seenVersion, reason).finally(() => {
    if (map.get(exportId)?.promise === promise) map.delete(exportId);
    deps.tokenCache.tokens.delete(exportId);
  });
  map.set(exportId, { fromVersion: seenVersion, promise });
  return promise;
}
