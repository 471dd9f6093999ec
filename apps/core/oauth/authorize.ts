import type { Caller } from '../auth/caller.ts';
import { buildAuthorizationUrl, calculatePKCECodeChallenge, randomPKCECodeVerifier } from 'openid-client';
import { secretContext } from '../crypto/contexts.ts';
import { sha256Hex } from '../crypto/hashing.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { audit, requireExport } from '../exports/export-service.ts';
import { newId, randomToken } from '../ids.ts';
import { buildOAuthClient } from './client.ts';

/** How long an "Authorize Export" attempt may take from the click to the callback. */
export const AUTHORIZATION_REQUEST_LIFETIME_MS = 10 * 60 * 1000;

export interface StartedAuthorization {
  requestId: string;
  exportId: string;
  /** Where to send the browser: the CRM's authorization URL with the request parameters. */
  authorizationUrl: string;
  /** The value of the cookie that binds this request to the browser (only its hash is stored). */
  browserBinding: string;
  expiresAt: Date;
}

/**
 * "Authorize Export" (RFC 6749 §4.1.1 with PKCE, RFC 7636, as RFC 9700 §2.1.1 recommends): makes
 * an authorization request with a 256-bit `state` stored only as its SHA-256 hash, a PKCE S256
 * verifier stored encrypted, a 10-minute life and a browser-binding value whose hash is stored,
 * so the callback accepts the answer only in the browser that started it (login CSRF defence).
 * The redirect URI is built from PUBLIC_URL, never from the request's Host header.
 */
export async function startAuthorization(
  deps: Pick<Deps, 'db' | 'config' | 'secretBox' | 'clock' | 'dispatcher'>,
  actor: Caller,
  exportId: string,
): Promise<StartedAuthorization> {
  await requireExport(deps, actor.groupId, exportId);
  const oauthConfig = await deps.db.oAuthConfig.findUnique({ where: { exportId } });
  if (!oauthConfig) {
    throw new AppError('OAUTH_NOT_CONFIGURED', 'Configure OAuth for this export before authorizing it', 409);
  }
  const requestId = newId('oar');
  const state = randomToken(32);
  const browserBinding = randomToken(32);
  const codeVerifier = randomPKCECodeVerifier();
  const codeChallenge = await calculatePKCECodeChallenge(codeVerifier);
  const redirectUri = deps.config.redirectUri;
  const expiresAt = new Date(deps.clock.now().getTime() + AUTHORIZATION_REQUEST_LIFETIME_MS);

  await deps.db.authorizationRequest.create({
    data: {
      id: requestId,
      exportId,
      groupId: actor.groupId,
      stateHash: sha256Hex(state),
      browserBindingHash: sha256Hex(browserBinding),
      codeVerifierEnc: deps.secretBox.encrypt(codeVerifier, secretContext.codeVerifier(requestId)),
      redirectUri,
      scopes: oauthConfig.scopes,
      status: 'started',
      createdById: actor.id,
      expiresAt,
    },
  });

  // The authorization URL's own query (e.g. `prompt=consent`, which oidc-provider and Google need
  // before they issue refresh tokens) is kept; ours is appended.
  const parameters: Record<string, string> = {
    response_type: 'code',
    redirect_uri: redirectUri,
    state,
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
  };
  if (oauthConfig.scopes) parameters.scope = oauthConfig.scopes;
  const url = buildAuthorizationUrl(buildOAuthClient(deps, oauthConfig), parameters);

  await audit(deps, actor, 'export.oauth.authorize', exportId, { authorizationRequestId: requestId });
  return { requestId, exportId, authorizationUrl: url.href, browserBinding, expiresAt };
}
