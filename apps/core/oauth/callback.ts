import { recordAudit } from '../audit.ts';
import { secretContext } from '../crypto/contexts.ts';
import { safeEqual, sha256Hex } from '../crypto/hashing.ts';
import type { Deps } from '../deps.ts';
import { QUEUES, type TokenExchangeJob } from '../queues.ts';
import { recordAttemptOutcome } from './connection-store.ts';
import { describeAuthorizationError } from './errors.ts';

/** The query of `GET /oauth/callback` (RFC 6749 §4.1.2 and §4.1.2.1, RFC 9207 `iss`). */
export interface CallbackParameters {
  state?: string | undefined;
  code?: string | undefined;
  error?: string | undefined;
  error_description?: string | undefined;
  iss?: string | undefined;
}

/** What the callback page shows; `rejected` answers tie to no request this browser may see. */
export interface CallbackOutcome {
  httpStatus: 200 | 400;
  status: 'pending' | 'authorized' | 'failed' | 'rejected';
  message: string;
  requestId?: string;
  exportId?: string;
}

/** The outcome of an authorization request as the callback page polls it. */
export interface AuthorizationResult {
  requestId: string;
  exportId: string;
  status: 'pending' | 'authorized' | 'failed';
  message: string;
}

type CallbackDeps = Pick<Deps, 'db' | 'secretBox' | 'clock' | 'queues' | 'logger' | 'config'>;

/** Where the callback request came from, for the log and the page. */
export interface CallbackContext {
  /** The request id (apps/http/request-id.ts): carried into the exchange job and its log lines. */
  requestId?: string;
  /** The origin the request was sent to (its scheme and Host), to tell it from PUBLIC_URL's. */
  origin?: string;
}

const REJECTED = {
  noState:
    'This page expects an answer from the CRM to "Authorize Export", but the address carries no state. Start again from the export page.',
  unknownState: 'This authorization answer is not one this connector is waiting for. Start again from the export page.',
  otherBrowser: (publicOrigin: string) =>
    `This authorization was started in another browser, or with the console opened at another address than ${publicOrigin} (or its cookie was blocked or has expired). Open the console at ${publicOrigin} and press "Authorize Export" again in the browser you use for the console.`,
  otherAddress: (origin: string, publicOrigin: string) =>
    `You opened the console at ${origin}; this connector's address is ${publicOrigin}. Authorize Export only works from ${publicOrigin}: open the console there and press "Authorize Export" again.`,
};

/**
 * Validates the CRM's redirect back (RFC 9700 §4.7 CSRF, §4.4 mix-up): a known state, in the
 * browser that started it (binding cookie), used once (marked atomically, so two tabs or a
 * replay cannot both pass), within its 10 minutes, from the expected issuer. The code is then
 * stored encrypted and a `token-exchange` job is queued carrying only the request's id. Nothing
 * here logs the code or the state.
 */
export async function handleCallback(
  deps: CallbackDeps,
  params: CallbackParameters,
  bindingFor: (requestId: string) => string | undefined,
  context: CallbackContext = {},
): Promise<CallbackOutcome> {
  if (!params.state) return rejected(REJECTED.noState);
  const request = await deps.db.authorizationRequest.findUnique({ where: { stateHash: sha256Hex(params.state) } });
  if (!request) return rejected(REJECTED.unknownState);
  const binding = bindingFor(request.id);
  if (!binding || !safeEqual(sha256Hex(binding), request.browserBindingHash)) {
    await auditCallback(deps, request, 'refused', 'OTHER_BROWSER');
    // No cookie, at another address than PUBLIC_URL's: the cookie lives at the address the
    // console was opened at, which is the likelier story than a second browser.
    const publicOrigin = new URL(deps.config.PUBLIC_URL).origin;
    if (!binding && context.origin && context.origin !== publicOrigin) {
      return rejected(REJECTED.otherAddress(context.origin, publicOrigin));
    }
    return rejected(REJECTED.otherBrowser(publicOrigin));
  }
  const now = deps.clock.now();
  // Single use: only the first callback flips `usedAt` from null; a replay (a second tab, a
  // reload, an attacker with a leaked URL) finds it set and is refused.
  const claimed = await deps.db.authorizationRequest.updateMany({
    where: { id: request.id, usedAt: null },
    data: { usedAt: now, callbackIss: params.iss ?? null },
  });
  const ids = { requestId: request.id, exportId: request.exportId };
  if (claimed.count === 0) {
    const current = await authorizationResult(deps, request.id);
    await auditCallback(deps, request, 'refused', 'STATE_REPLAYED');
    return {
      httpStatus: 400,
      ...ids,
      status: current?.status ?? 'failed',
      message: `This authorization answer was already used. ${current ? `Its result: ${current.message}` : ''}`.trim(),
    };
  }
  if (request.expiresAt <= now) {
    return fail(
      deps,
      request,
      'expired',
      'The authorization took longer than 10 minutes and has expired. Press "Authorize Export" again.',
      400,
    );
  }
  if (params.error) {
    const failure = describeAuthorizationError(params.error, params.error_description);
    return fail(deps, request, failure.code, failure.message, 200);
  }
  const config = await deps.db.oAuthConfig.findUnique({ where: { exportId: request.exportId } });
  if (!config) {
    return fail(deps, request, 'not_configured', 'The OAuth configuration of this export was removed meanwhile.', 200);
  }
  // RFC 9207 §2.4: an `iss` that is not the configured issuer means the answer comes from another
  // authorization server than the one this request went to (mix-up attack): drop the code.
  if (params.iss && config.issuer && params.iss !== config.issuer) {
    return fail(
      deps,
      request,
      'issuer_mismatch',
      `The answer came from the issuer "${params.iss.slice(0, 200)}", not the configured "${config.issuer}" (RFC 9207). Check the Issuer in the OAuth configuration.`,
      400,
    );
  }
  if (!params.code) {
    return fail(deps, request, 'no_code', 'The CRM answered without an authorization code. Try again.', 400);
  }
  await deps.db.authorizationRequest.update({
    where: { id: request.id },
    data: {
      status: 'exchanging',
      codeEnc: deps.secretBox.encrypt(params.code, secretContext.authorizationCode(request.id)),
      message: 'The CRM granted access; exchanging the code for tokens…',
    },
  });
  await recordAttemptOutcome(deps, request.exportId, 'pending', 'Exchanging the authorization code with the CRM…');
  // jobId = request id: a duplicate add (a retried callback request) is ignored by BullMQ.
  const job: TokenExchangeJob = { authorizationRequestId: request.id, requestId: context.requestId };
  await deps.queues[QUEUES.tokenExchange].add('exchange', job, { jobId: request.id });
  await auditCallback(deps, request, 'success', 'CODE_RECEIVED');
  return { httpStatus: 200, ...ids, status: 'pending', message: 'The CRM granted access; finishing the connection…' };
}

/** The current result of a request, for the callback page's polling; null when the binding does not match. */
export async function authorizationResultFor(
  deps: Pick<Deps, 'db'>,
  requestId: string,
  binding: string | undefined,
): Promise<AuthorizationResult | null> {
  const request = await deps.db.authorizationRequest.findUnique({ where: { id: requestId } });
  if (!request || !binding || !safeEqual(sha256Hex(binding), request.browserBindingHash)) return null;
  return resultOf(request);
}

async function authorizationResult(deps: Pick<Deps, 'db'>, requestId: string): Promise<AuthorizationResult | null> {
  const request = await deps.db.authorizationRequest.findUnique({ where: { id: requestId } });
  return request ? resultOf(request) : null;
}

function resultOf(request: { id: string; exportId: string; status: string; message: string | null }) {
  const status = request.status === 'authorized' || request.status === 'failed' ? request.status : 'pending';
  return {
    requestId: request.id,
    exportId: request.exportId,
    status,
    message: request.message ?? 'Waiting for the CRM…',
  } satisfies AuthorizationResult;
}

function rejected(message: string): CallbackOutcome {
  return { httpStatus: 400, status: 'rejected', message };
}

interface RequestRow {
  id: string;
  exportId: string;
  groupId: string;
}

async function fail(
  deps: CallbackDeps,
  request: RequestRow,
  code: string,
  message: string,
  httpStatus: 200 | 400,
): Promise<CallbackOutcome> {
  await deps.db.authorizationRequest.update({
    where: { id: request.id },
    data: { status: 'failed', error: code, message, completedAt: deps.clock.now() },
  });
  await recordAttemptOutcome(deps, request.exportId, 'failed', message);
  await auditCallback(deps, request, 'refused', code.toUpperCase());
  deps.logger.info(
    { authorizationRequestId: request.id, exportId: request.exportId, reason: code },
    'authorization failed',
  );
  return { httpStatus, requestId: request.id, exportId: request.exportId, status: 'failed', message };
}

function auditCallback(deps: Pick<Deps, 'db'>, request: RequestRow, outcome: 'success' | 'refused', reason: string) {
  return recordAudit(deps.db, {
    groupId: request.groupId,
    actorType: 'anonymous',
    action: 'export.oauth.callback',
    targetType: 'export',
    targetId: request.exportId,
    outcome,
    reason,
    details: { authorizationRequestId: request.id },
  });
}
