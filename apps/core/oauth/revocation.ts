import { tokenRevocation } from 'openid-client';
import type { Deps } from '../deps.ts';
import type { StoredTokens } from '../tokens/token-types.ts';
import { buildOAuthClient, type StoredOAuthConfig } from './client.ts';
import { translateOAuthError } from './errors.ts';

/**
 * What the CRM said to a revocation (docs/api/exports.md, "Revocation at the CRM"):
 * - `confirmed`: the revocation endpoint answered 200 (RFC 7009 §2.2), or the connector held no
 *   token, so there was nothing to revoke;
 * - `failed`: it refused, failed, or did not answer in time; the tokens are forgotten anyway;
 * - `not_configured`: the export names no revocation URL.
 */
export type RevocationOutcome = 'confirmed' | 'failed' | 'not_configured';

export interface Revocation {
  outcome: RevocationOutcome;
  /** Which token was sent (the refresh token when there is one: RFC 7009 §2.1 has its grant's access tokens go too). */
  revoked: 'refresh_token' | 'access_token' | null;
  /** Why it failed, as a code (`timeout`, `http_400`, `unsupported_token_type`, `econnrefused` …); never a token. */
  reason?: string;
}

/** The longest a manager waits for a CRM's revocation endpoint. */
export const REVOCATION_WAIT_MS = 5_000;

type RevocationDeps = Pick<Deps, 'config' | 'dispatcher' | 'secretBox' | 'logger'>;

/**
 * Revokes an export's refresh token (else its access token) at the CRM (RFC 7009 §2.1:
 * `token=…&token_type_hint=…` with the client authentication the token endpoint uses), through
 * openid-client and so the process's dispatcher, address policy and proxy. Waits at most
 * REVOCATION_WAIT_MS, or OAUTH_HTTP_TIMEOUT_SECONDS when that is shorter; never throws, so a CRM
 * that fails or does not answer never keeps the caller from forgetting the tokens.
 */
export async function revokeAtCrm(
  deps: RevocationDeps,
  config: StoredOAuthConfig | null,
  tokens: Pick<StoredTokens, 'accessToken' | 'refreshToken'> | null,
): Promise<Revocation> {
  if (!config?.revocationUrl) return { outcome: 'not_configured', revoked: null };
  const revoked = tokens?.refreshToken ? 'refresh_token' : tokens?.accessToken ? 'access_token' : null;
  const token = tokens?.refreshToken ?? tokens?.accessToken;
  if (!revoked || !token) return { outcome: 'confirmed', revoked: null, reason: 'nothing_to_revoke' };
  const waitMs = Math.min(REVOCATION_WAIT_MS, deps.config.OAUTH_HTTP_TIMEOUT_SECONDS * 1000);
  const client = buildOAuthClient(deps, config);
  // openid-client aborts its request after `timeout` seconds; the timer below bounds everything
  // before the request too (building the client, DNS, the connection).
  client.timeout = waitMs / 1000;
  let timer: NodeJS.Timeout | undefined;
  const call = tokenRevocation(client, token, { token_type_hint: revoked }).then(
    (): Revocation => ({ outcome: 'confirmed', revoked }),
    (error: unknown): Revocation => ({
      outcome: 'failed',
      revoked,
      // The translation's code only: its message speaks of the token endpoint, and the raw error can hold the request.
      reason: translateOAuthError(error, { call: 'refresh', timeoutSeconds: waitMs / 1000 }).code,
    }),
  );
  const deadline = new Promise<Revocation>((resolve) => {
    timer = setTimeout(() => resolve({ outcome: 'failed', revoked, reason: 'timeout' }), waitMs);
  });
  const result = await Promise.race([call, deadline]).finally(() => clearTimeout(timer));
  deps.logger.info(
    { exportId: config.exportId, revocation: result.outcome, revoked: result.revoked, reason: result.reason },
    'revocation at the CRM',
  );
  return result;
}

/** A revocation as an audit row's `details` records it (codes only, never a token). */
export function revocationDetails(revocation: Revocation): Record<string, unknown> {
  return {
    revocation: revocation.outcome,
    revokedToken: revocation.revoked,
    ...(revocation.reason ? { revocationReason: revocation.reason } : {}),
  };
}
