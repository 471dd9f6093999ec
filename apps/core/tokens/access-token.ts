import type { Deps } from '../deps.ts';
import { loadTokens, type StoredTokens } from '../oauth/connection-store.ts';
import { TokenUnavailableError } from './errors.ts';
import type { AccessToken } from './token-types.ts';

export type { AccessToken } from './token-types.ts';

/** What the token service needs from the composition root. */
export type TokenDeps = Pick<
  Deps,
  | 'metrics'
  | 'db'
  | 'store'
  | 'redis'
  | 'secretBox'
  | 'clock'
  | 'config'
  | 'dispatcher'
  | 'logger'
  | 'queuePrefix'
  | 'queues'
  | 'tokenCache'
  | 'notifications'
>;

/** Refresh before use when the token expires within this (docs/api/deliveries.md, "Access tokens"). */
export const EXPIRY_MARGIN_MS = 60_000;

/**
 * The export's stored tokens if its connection can be used; otherwise a park, with the message the
 * connection shows the manager (e.g. "The CRM no longer accepts the refresh token (invalid_grant)…").
 */
export async function loadUsableTokens(deps: Pick<Deps, 'db' | 'secretBox'>, exportId: string): Promise<StoredTokens> {
  const stored = await loadTokens(deps, exportId);
  if (stored?.status === 'authorized') return stored;
  const connection = await deps.db.oAuthConnection.findUnique({ where: { exportId }, select: { message: true } });
  const status = stored?.status ?? 'not_authorized';
  const why = connection?.message ?? `The export's CRM connection is ${status.replaceAll('_', ' ')}`;
  throw new TokenUnavailableError('park', `Waiting for a manager to authorize the export again: ${why}`);
}

type Lifetime = Pick<StoredTokens, 'expiresAt' | 'lastRefreshedAt' | 'authorizedAt'>;

/**
 * True when the token expires within `marginMs` of `now` (never for a token without expiry). The
 * margin is at most half the token's lifetime: a CRM that issues one-minute tokens would otherwise
 * see a refresh before every single use.
 */
export function expiresWithin(stored: Lifetime, now: Date, marginMs = EXPIRY_MARGIN_MS): boolean {
  if (stored.expiresAt === null) return false;
  const issuedAt = stored.lastRefreshedAt ?? stored.authorizedAt;
  const lifetime = issuedAt ? stored.expiresAt.getTime() - issuedAt.getTime() : Number.POSITIVE_INFINITY;
  return stored.expiresAt.getTime() - now.getTime() < Math.min(marginMs, Math.max(0, lifetime / 2));
}

export function toAccessToken(exportId: string, stored: StoredTokens): AccessToken {
  return {
    exportId,
    accessToken: stored.accessToken,
    version: stored.version,
    expiresAt: stored.expiresAt,
    extra: stored.extra,
  };
}
