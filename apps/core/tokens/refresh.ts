import { refreshTokenGrant } from 'openid-client';
import { buildOAuthClient } from '../oauth/client.ts';
import { saveTokens, setConnectionStatus, tokenSetFromResponse } from '../oauth/connection-store.ts';
import { translateOAuthError, type OAuthFailure } from '../oauth/errors.ts';
import { announceReauthorizationRequired } from '../notifications/reauthorization.ts';
import { requireReauthorization } from '../oauth/reauthorization.ts';
import { parkExportDeliveries } from '../deliveries/parking.ts';
import { TokenUnavailableError } from './errors.ts';
import { tryLock } from './refresh-lock.ts';
import { type AccessToken, expiresWithin, loadUsableTokens, type TokenDeps, toAccessToken } from './access-token.ts';
import type { StoredTokens } from '../oauth/connection-store.ts';

/** Why a refresh is wanted: the token expires soon, the CRM refused it (401), or it sat idle. */
export type RefreshReason = 'expiring' | 'rejected' | 'idle';

/** After a refresh failed for a passing reason, nobody calls the token endpoint for this long. */
export const REFRESH_COOLDOWN_MS = 10_000;
const WAIT_STEP_MS = 50;

/**
 * Refreshes an export's access token under a Redis lock, so only one process at a time uses the
 * refresh token: with rotation, a refresh token used twice makes the CRM revoke the whole grant
 * (oidc-provider and Salesforce do, docs/field-notes.md). After taking the lock the connection is read
 * again: when another process refreshed meanwhile (a newer version), its token is used instead.
 * The new tokens (and a rotated refresh token) are stored before anyone gets the access token.
 */
export async function refreshUnderLock(
  deps: TokenDeps,
  exportId: string,
  seenVersion: number,
  reason: RefreshReason,
): Promise<AccessToken> {
  const lockKey = `${deps.queuePrefix}:token-refresh:lock:${exportId}`;
  const lockTtlMs = deps.config.OAUTH_HTTP_TIMEOUT_SECONDS * 1000 + 10_000;
  const giveUpAt = Date.now() + lockTtlMs + 5_000;
  let lock = await tryLock(deps.redis, lockKey, lockTtlMs);
  while (!lock) {
    await new Promise((r) => setTimeout(r, WAIT_STEP_MS + Math.random() * WAIT_STEP_MS));
    const current = await loadUsableTokens(deps, exportId);
    if (current.version > seenVersion) return shared(deps, exportId, current);
    if (Date.now() > giveUpAt) {
      throw new TokenUnavailableError('postpone', 'Another process is still refreshing the access token', 5_000);
    }
    lock = await tryLock(deps.redis, lockKey, lockTtlMs);
  }
  try {
    const current = await loadUsableTokens(deps, exportId);
    if (current.version > seenVersion) return shared(deps, exportId, current);
    // A token the CRM has not refused and that lives a little longer is still worth using when no
    // new one can be had right now (no refresh token, or the token endpoint failing).
    const stillUsable = reason !== 'rejected' && !expiresWithin(current, deps.clock.now(), 5_000);
    const cooldownKey = `${deps.queuePrefix}:token-refresh:cooldown:${exportId}`;
    const cooldownMs = await deps.redis.pttl(cooldownKey);
    if (cooldownMs > 0) {
      if (stillUsable) return toAccessToken(exportId, current);
      throw new TokenUnavailableError('postpone', 'The last token refresh failed; waiting before the next', cooldownMs);
    }
    if (!current.refreshToken) {
      // Only a new authorization helps once this token is gone. Salesforce gives a refresh token
      // only with the refresh_token (or offline_access) scope.
      if (stillUsable) return toAccessToken(exportId, current);
      return await needsReauthorization(deps, exportId, {
        kind: 'reauthorize',
        code: 'no_refresh_token',
        message:
          'The access token no longer works and the CRM gave no refresh token (for Salesforce, add the refresh_token scope). Press "Authorize Export" again.',
      });
    }
    const oauthConfig = await deps.db.oAuthConfig.findUnique({ where: { exportId } });
    if (!oauthConfig) {
      return await needsReauthorization(deps, exportId, {
        kind: 'configuration',
        code: 'not_configured',
        message: 'The export has no OAuth configuration to refresh its token with',
      });
    }
    let answer: Record<string, unknown>;
    try {
      answer = { ...(await refreshTokenGrant(buildOAuthClient(deps, oauthConfig), current.refreshToken)) };
    } catch (error) {
      const failure = translateOAuthError(error, {
        call: 'refresh',
        timeoutSeconds: deps.config.OAUTH_HTTP_TIMEOUT_SECONDS,
      });
      if (failure.kind === 'reauthorize' || failure.kind === 'configuration')
        return await needsReauthorization(deps, exportId, failure);
      await passingFailure(deps, exportId, cooldownKey, failure);
      if (stillUsable) return toAccessToken(exportId, current);
      throw new TokenUnavailableError('postpone', failure.message, REFRESH_COOLDOWN_MS);
    }
    const tokens = tokenSetFromResponse(answer, deps.clock.now());
    const version = await saveTokens(deps, exportId, tokens, {
      mode: 'refresh',
      message: 'Authorized',
      expectedVersion: current.version,
    });
    if (version === null) {
      // Someone wrote the connection between our read and our write (a new authorization): use theirs.
      return shared(deps, exportId, await loadUsableTokens(deps, exportId));
    }
    deps.metrics.refreshes.inc({ outcome: 'success' });
    deps.logger.info(
      { exportId, reason, rotated: tokens.refreshToken !== undefined, expiresAt: tokens.expiresAt },
      'access token refreshed',
    );
    return {
      exportId,
      accessToken: tokens.accessToken,
      version,
      expiresAt: tokens.expiresAt ?? null,
      extra: { ...current.extra, ...tokens.extra },
    };
  } finally {
    await lock.release();
  }
}

function shared(deps: TokenDeps, exportId: string, stored: StoredTokens): AccessToken {
  deps.metrics.refreshes.inc({ outcome: 'shared' });
  return toAccessToken(exportId, stored);
}

/**
 * The grant is gone (invalid_grant) or the configuration is wrong: the connection says so to the
 * manager and the export's waiting deliveries are parked until the next authorization.
 */
async function needsReauthorization(deps: TokenDeps, exportId: string, failure: OAuthFailure): Promise<never> {
  deps.metrics.refreshes.inc({ outcome: failure.kind });
  const status = failure.kind === 'reauthorize' ? 'reauthorization_required' : 'failed';
  let parked: number;
  if (status === 'reauthorization_required') {
    parked = await requireReauthorization(deps, exportId, { message: failure.message });
    // Operators are told at once (docs/notifications.md); it never throws.
    await announceReauthorizationRequired(deps, exportId, failure.code, failure.message);
  } else {
    await setConnectionStatus(deps, exportId, status, failure.message, failure.message);
    parked = await parkExportDeliveries(deps, exportId, failure.message);
  }
  deps.logger.warn(
    { exportId, code: failure.code, status, parked },
    'token refresh failed: deliveries parked until the export is authorized again',
  );
  throw new TokenUnavailableError('park', failure.message);
}

/** Timeouts, refused connections, 5xx: keep the connection, cool down, and let deliveries come back. */
async function passingFailure(
  deps: TokenDeps,
  exportId: string,
  cooldownKey: string,
  failure: OAuthFailure,
): Promise<void> {
  deps.metrics.refreshes.inc({ outcome: failure.kind });
  const message = `The last token refresh failed and will be tried again: ${failure.message}`;
  await deps.redis.set(cooldownKey, '1', 'PX', REFRESH_COOLDOWN_MS);
  await deps.db.oAuthConnection.update({ where: { exportId }, data: { lastError: message } });
  deps.logger.warn({ exportId, code: failure.code }, 'token refresh failed for a passing reason; will try again');
}
