import { authorizationCodeGrant } from 'openid-client';
import { recordAudit } from '../audit.ts';
import { secretContext } from '../crypto/contexts.ts';
import type { Deps } from '../deps.ts';
import { buildOAuthClient, type ClientIdentity, clientSecretOf, sameClient } from './client.ts';
import { recordAttemptOutcome, saveTokens, type TokenSet, tokenSetFromResponse } from './connection-store.ts';
import { type OAuthFailure, translateOAuthError } from './errors.ts';
import { looksLikeSalesforce, verifySalesforceSignature } from './salesforce.ts';

/** Which try of the job this is (BullMQ `attemptsMade + 1` of `attempts`). */
export interface ExchangeAttempt {
  attempt: number;
  maxAttempts: number;
}

/** Which HTTP request this exchange comes from (the callback's request id), for its log lines. */
export interface ExchangeTrace {
  requestId?: string | undefined;
}

/** Called after a successful exchange: C's `resumeParkedDeliveries`, which the worker passes in. */
export type AfterAuthorized = (deps: Deps, exportId: string) => Promise<unknown>;

/**
 * - `authorized`: tokens stored. `failed`: final, recorded. `skipped`: nothing to do (already done).
 * - `retry`: a failure that can pass (timeout, refused connection, 5xx): the job should be retried.
 */
export type ExchangeOutcome =
  | { status: 'authorized' | 'failed' | 'skipped'; message: string }
  | { status: 'retry'; message: string };

/**
 * The token-exchange job (RFC 6749 §4.1.3, PKCE RFC 7636 §4.5): swaps the stored code for tokens
 * with openid-client's authorization-code grant, the request's verifier and the export's client
 * authentication; checks Salesforce's `signature`; stores the tokens encrypted and sets the
 * connection `authorized` (then releases the deliveries parked while it had no usable token), or
 * records a failure a manager can act on.
 *
 * The state was already checked at the callback (its hash found, bound to the browser, single
 * use), and only its hash is stored, so the URL handed to openid-client carries no `state`.
 */
export async function exchangeAuthorizationCode(
  deps: Deps,
  requestId: string,
  attempt: ExchangeAttempt,
  afterAuthorized?: AfterAuthorized,
  trace: ExchangeTrace = {},
): Promise<ExchangeOutcome> {
  const request = await deps.db.authorizationRequest.findUnique({ where: { id: requestId } });
  // Another try already finished it (a stalled job run twice), or it never got a code.
  if (request?.status !== 'exchanging' || !request.codeEnc) {
    return { status: 'skipped', message: 'nothing to exchange' };
  }
  const log = deps.logger.child({
    authorizationRequestId: requestId,
    exportId: request.exportId,
    groupId: request.groupId,
    requestId: trace.requestId,
  });
  // Read before the configuration: a change of client forgets the tokens after saving the new
  // configuration, which moves this version (see storeUnlessClientChanged).
  const seen = await deps.db.oAuthConnection.findUnique({
    where: { exportId: request.exportId },
    select: { version: true },
  });
  const config = await deps.db.oAuthConfig.findUnique({ where: { exportId: request.exportId } });
  if (!config) return finish(deps, request, 'failed', 'The OAuth configuration of this export was removed meanwhile.');

  const code = deps.secretBox.decrypt(request.codeEnc, secretContext.authorizationCode(requestId));
  const codeVerifier = deps.secretBox.decrypt(request.codeVerifierEnc, secretContext.codeVerifier(requestId));
  const client = buildOAuthClient(deps, config, { assumedIssuer: request.callbackIss ?? undefined });
  const callbackUrl = new URL(request.redirectUri);
  callbackUrl.searchParams.set('code', code);
  if (request.callbackIss) callbackUrl.searchParams.set('iss', request.callbackIss);

  let answer: Record<string, unknown>;
  try {
    answer = { ...(await authorizationCodeGrant(client, callbackUrl, { pkceCodeVerifier: codeVerifier })) };
    deps.metrics.codeExchanges.inc({ outcome: 'success' });
  } catch (error) {
    const failure = translateOAuthError(error, {
      call: 'exchange',
      timeoutSeconds: deps.config.OAUTH_HTTP_TIMEOUT_SECONDS,
    });
    // `failed`: the CRM could not be asked or did not answer usefully (retryable); `rejected`: it refused.
    deps.metrics.codeExchanges.inc({ outcome: failure.kind === 'retryable' ? 'failed' : 'rejected' });
    log.warn({ kind: failure.kind, reason: failure.code, attempt: attempt.attempt }, 'token exchange failed');
    return onFailure(deps, request, failure, attempt);
  }

  if (verifySalesforceSignature(answer, clientSecretOf(deps, config)) === false) {
    log.warn('token answer failed its signature check');
    return finish(
      deps,
      request,
      'failed',
      "The CRM's token answer failed its signature check (Salesforce `signature` over id and issued_at): the client secret may be wrong, or the answer was altered. The tokens were discarded.",
      'invalid_signature',
    );
  }
  const tokens = tokenSetFromResponse(answer, deps.clock.now());
  const message = tokens.refreshToken
    ? 'Authorized: deliveries use this connection.'
    : `Authorized, but the CRM issued no refresh token, so deliveries will stop when this access token expires. Add the scope ${
        looksLikeSalesforce(answer) ? '"refresh_token" (Salesforce)' : '"offline_access"'
      } to the OAuth configuration and authorize again.`;
  if (!(await storeUnlessClientChanged(deps, request.exportId, config, tokens, message, seen?.version))) {
    log.warn('the OAuth client changed during the exchange: tokens discarded');
    return finish(
      deps,
      request,
      'failed',
      'The OAuth client of this export (client ID, token URL or authorization URL) changed while the code was being exchanged, so the tokens were discarded. Press "Authorize Export" again.',
      'client_changed',
    );
  }
  const outcome = await finish(deps, request, 'authorized', message);
  log.info({ refreshToken: Boolean(tokens.refreshToken), expires: Boolean(tokens.expiresAt) }, 'export authorized');
  // The connection is authorized whatever happens next; parked deliveries that fail to resume
  // here are picked up by the delivery sweeper (it resumes any authorized export's parked ones).
  await afterAuthorized?.(deps, request.exportId).catch((error: Error) =>
    log.error({ err: { message: error.message } }, 'could not resume parked deliveries'),
  );
  return outcome;
}

async function onFailure(
  deps: Deps,
  request: RequestRow,
  failure: OAuthFailure,
  { attempt, maxAttempts }: ExchangeAttempt,
): Promise<ExchangeOutcome> {
  if (failure.kind === 'retryable' && attempt < maxAttempts) {
    const message = `${failure.message}; trying again (attempt ${attempt} of ${maxAttempts} failed).`;
    await deps.db.authorizationRequest.update({ where: { id: request.id }, data: { message } });
    await recordAttemptOutcome(deps, request.exportId, 'pending', message);
    return { status: 'retry', message };
  }
  if (failure.kind === 'retryable') {
    return finish(
      deps,
      request,
      'failed',
      `${failure.message}; gave up after ${maxAttempts} attempts. Press "Authorize Export" to try again.`,
      failure.code,
    );
  }
  // A code works once (RFC 6749 §4.1.2). If an earlier try timed out after the CRM had already
  // spent the code, this try meets invalid_grant: say why, since the manager did nothing wrong.
  if (failure.code === 'invalid_grant' && attempt > 1) {
    return finish(
      deps,
      request,
      'failed',
      'The CRM refused the authorization code (invalid_grant). An earlier try probably reached the CRM but its answer was lost, and a code works only once. Press "Authorize Export" again.',
      failure.code,
    );
  }
  return finish(deps, request, 'failed', failure.message, failure.code);
}

/**
 * Stores the tokens only if they still belong to the export's client. The write is conditional on
 * the connection version read before the configuration was; when that moved, either a refresh of
 * the tokens in use did it (same client: try again on the new version) or a change of client
 * (exports/oauth-config.ts saves the new configuration, then forgets the tokens): then nothing is
 * stored, since a refresh token of the old client would only fail later with the new one.
 */
async function storeUnlessClientChanged(
  deps: Deps,
  exportId: string,
  used: ClientIdentity,
  tokens: TokenSet,
  message: string,
  seenVersion: number | undefined,
): Promise<boolean> {
  let expectedVersion = seenVersion;
  for (let tries = 0; tries < 5 && expectedVersion !== undefined; tries++) {
    if ((await saveTokens(deps, exportId, tokens, { mode: 'authorize', message, expectedVersion })) !== null) {
      return true;
    }
    const current = await deps.db.oAuthConfig.findUnique({ where: { exportId } });
    if (!current || !sameClient(current, used)) return false;
    const connection = await deps.db.oAuthConnection.findUnique({ where: { exportId }, select: { version: true } });
    expectedVersion = connection?.version;
  }
  await saveTokens(deps, exportId, tokens, { mode: 'authorize', message });
  return true;
}

interface RequestRow {
  id: string;
  exportId: string;
  groupId: string;
}

async function finish(
  deps: Deps,
  request: RequestRow,
  status: 'authorized' | 'failed',
  message: string,
  error?: string,
): Promise<ExchangeOutcome> {
  // The code is spent either way: drop its ciphertext.
  await deps.db.authorizationRequest.update({
    where: { id: request.id },
    data: { status, message, error: error ?? null, codeEnc: null, completedAt: deps.clock.now() },
  });
  if (status === 'failed') await recordAttemptOutcome(deps, request.exportId, 'failed', message);
  await recordAudit(deps.db, {
    groupId: request.groupId,
    actorType: 'system',
    action: status === 'authorized' ? 'export.oauth.authorized' : 'export.oauth.failed',
    targetType: 'export',
    targetId: request.exportId,
    outcome: status === 'authorized' ? 'success' : 'refused',
    reason: error,
    details: { authorizationRequestId: request.id },
  });
  return { status, message };
}
