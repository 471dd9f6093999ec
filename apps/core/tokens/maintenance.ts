import { TokenUnavailableError } from './errors.ts';
import { SCHEDULED_REFRESH_MARGIN_MS, refreshScheduled, type TokenDeps } from './token-service.ts';

/** A refresh token not used for this long is refreshed, so orgs that expire idle ones keep it alive. */
export const IDLE_REFRESH_AFTER_MS = 24 * 3600 * 1000;
const BATCH = 500;
const PARALLEL = 4;

/** Refreshes every authorized token that expires within five minutes; returns how many it refreshed. */
export async function refreshExpiringTokens(deps: TokenDeps): Promise<number> {
  const soon = new Date(deps.clock.now().getTime() + SCHEDULED_REFRESH_MARGIN_MS);
  const rows = await deps.db.oAuthConnection.findMany({
    where: { status: 'authorized', refreshTokenEnc: { not: null }, expiresAt: { lt: soon } },
    orderBy: { expiresAt: 'asc' },
    take: BATCH,
    select: { exportId: true },
  });
  return refreshEach(deps, rows, 'expiring');
}

/**
 * Refreshes every authorized token whose refresh token has not been used for a day (Salesforce
 * tokens have no expiry, so nothing else would touch them while deliveries succeed).
 */
export async function refreshIdleTokens(deps: TokenDeps): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - IDLE_REFRESH_AFTER_MS);
  const rows = await deps.db.oAuthConnection.findMany({
    where: {
      status: 'authorized',
      refreshTokenEnc: { not: null },
      OR: [{ lastRefreshedAt: { lt: cutoff } }, { lastRefreshedAt: null, authorizedAt: { lt: cutoff } }],
    },
    take: BATCH,
    select: { exportId: true },
  });
  return refreshEach(deps, rows, 'idle');
}

async function refreshEach(deps: TokenDeps, rows: { exportId: string }[], reason: 'expiring' | 'idle') {
  let refreshed = 0;
  const queue = [...rows];
  const lane = async () => {
    for (let row = queue.shift(); row; row = queue.shift()) {
      try {
        if (await refreshScheduled(deps, row.exportId, reason)) refreshed++;
      } catch (error) {
        // The failure is already on the connection (status or lastError) and in the log.
        if (!(error instanceof TokenUnavailableError)) {
          deps.logger.error({ err: error, exportId: row.exportId }, 'scheduled token refresh failed');
        }
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, lane));
  return refreshed;
}
