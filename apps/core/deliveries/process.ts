import type { Deps } from '../deps.ts';
import { TokenUnavailableError } from '../tokens/errors.ts';
import { type AccessToken, getAccessToken, refreshAfterRejection } from '../tokens/token-service.ts';
import { sendWebhook, type WebhookResult } from '../webhooks/send.ts';
import { resolveTarget } from '../webhooks/target.ts';
import { attemptRow } from './attempt-row.ts';
import { claimDelivery, type ClaimedDelivery } from './claim.ts';
import { eventBody } from './event-body.ts';
import { type ExportContext, forgetExportContext, loadExportContext } from './export-context.ts';
import { wakeNextInOrder } from './flow/order.ts';
import type { JobKey } from './jobs.ts';
import { judge, type Verdict } from './outcome.ts';
import { type AttemptRow, deliveryLogFields, finishDelivery, parkDelivery, postponeDelivery } from './record.ts';

/**
 * How one wake-up ended (`skipped`: the row was not in the state the job was queued for, or an
 * earlier delivery of its ordered export holds it; `deferred`: its export had no room, flow/).
 */
export type DeliveryOutcome =
  | 'skipped'
  | 'deferred'
  | 'delivered'
  | 'retry'
  | 'failed'
  | 'dead'
  | 'parked'
  | 'postponed';

/** What flow control (flow/runner.ts) learns of an attempt: a request is about to go out; the requests are done. */
export interface AttemptHooks {
  sending?: () => void;
  sent?: () => void;
}

/**
 * One delivery attempt, from a wake-up for the row state `key` names: claim the row, get the
 * export's access token, POST the signed webhook and record what happened (docs/api/deliveries.md, "Outcomes and the retry schedule").
 * A 401 refreshes the token once and sends again at once; a token that cannot be had parks the
 * delivery (a manager must authorize again) or postpones it (the token endpoint is failing for
 * now), spending no attempt either way.
 */
export async function processDelivery(
  deps: Deps,
  key: Pick<JobKey, 'deliveryId' | 'attemptCount'>,
  rerun: boolean,
  hooks: AttemptHooks = {},
): Promise<DeliveryOutcome> {
  const delivery = await claimDelivery(deps, key, rerun);
  if (!delivery) return 'skipped';
  let exp = await loadExportContext(deps, delivery.exportId);
  if (exp && !exp.enabled) {
    // Never park on what the cache says: the export may have been enabled again a moment ago.
    forgetExportContext(deps, delivery.exportId);
    exp = await loadExportContext(deps, delivery.exportId);
  }
  // A deleted export takes its deliveries with it (ON DELETE CASCADE): nothing left to do.
  if (!exp) return 'skipped';
  if (!exp.enabled) {
    const reason = `The export is disabled${exp.disabledReason ? `: ${exp.disabledReason}` : ''}`;
    return parkDelivery(deps, delivery, [], reason);
  }
  const attempts: AttemptRow[] = [];
  let token: AccessToken;
  try {
    token = await getAccessToken(deps, exp.id);
  } catch (error) {
    return tokenTrouble(deps, delivery, attempts, error);
  }
  const body = eventBody(delivery.eventType, delivery.engagement.payload, delivery.engagement.receivedAt);
  let { result, verdict } = await attempt(deps, exp, delivery, token, body, attempts, hooks);
  if (verdict.kind === 'unauthorized') {
    // The CRM refused the token (expired session, revoked): refresh once and send again at once.
    const refused = attempts[attempts.length - 1] as AttemptRow;
    refused.error = `${verdict.error} (the access token was refused: refreshing it and sending again)`;
    try {
      token = await refreshAfterRejection(deps, exp.id, token.version);
    } catch (error) {
      hooks.sent?.();
      return tokenTrouble(deps, delivery, attempts, error);
    }
    ({ result, verdict } = await attempt(deps, exp, delivery, token, body, attempts, hooks));
    if (verdict.kind === 'unauthorized') {
      verdict = { kind: 'retry', error: `${verdict.error} (refused again with a freshly refreshed access token)` };
      (attempts[attempts.length - 1] as AttemptRow).error = verdict.error;
    }
  }
  // The export's place (its lease) covers the sending; it is handed on before the outcome is written.
  hooks.sent?.();
  const outcome = await finishDelivery(
    deps,
    delivery,
    exp,
    attempts,
    verdict as Exclude<Verdict, { kind: 'unauthorized' }>,
    result,
  );
  // Finished for good: the next delivery of an ordered export is no longer held.
  if (exp.ordered && outcome !== 'retry') await wakeNextInOrder(deps, exp.id);
  return outcome;
}

/** Sends once (or records why it could not be sent), adds the attempt row and says what the answer means. */
async function attempt(
  deps: Deps,
  exp: ExportContext,
  delivery: ClaimedDelivery,
  token: AccessToken,
  body: string,
  attempts: AttemptRow[],
  hooks: AttemptHooks,
): Promise<{ result: WebhookResult; verdict: Verdict }> {
  const startedAt = deps.clock.now();
  const number = delivery.attemptCount + attempts.length + 1;
  const target = resolveTarget(exp.webhookUrl, token.extra, {
    allowPrivateTargets: deps.config.ALLOW_PRIVATE_TARGETS,
    allowInsecureHttp: deps.config.ALLOW_INSECURE_HTTP,
  });
  let result: WebhookResult;
  if ('problem' in target) {
    result = { kind: 'error', code: 'TARGET_INVALID', message: target.problem, durationMs: 0 };
  } else {
    hooks.sending?.();
    result = await sendWebhook(deps.dispatcher, {
      url: target.url,
      body,
      webhookId: delivery.id,
      accessToken: token.accessToken,
      secrets: exp.signingSecrets,
      now: startedAt,
    });
    const bucket = result.kind === 'error' ? 'error' : `${Math.floor(result.statusCode / 100)}xx`;
    deps.metrics.attemptSeconds.observe({ result: bucket }, result.durationMs / 1000);
    if (deps.logger.isLevelEnabled('debug')) {
      const statusCode = result.kind === 'response' ? result.statusCode : null;
      const fields = { ...deliveryLogFields(delivery), attempt: number, statusCode, durationMs: result.durationMs };
      deps.logger.debug(fields, 'webhook sent');
    }
  }
  const verdict = judge(result, exp.permanentStatuses);
  attempts.push(attemptRow(number, startedAt, result, verdict));
  return { result, verdict };
}

function tokenTrouble(deps: Deps, delivery: ClaimedDelivery, attempts: AttemptRow[], error: unknown) {
  if (!(error instanceof TokenUnavailableError)) throw error;
  return error.disposition === 'park'
    ? parkDelivery(deps, delivery, attempts, error.message)
    : postponeDelivery(deps, delivery, attempts, error.message, error.retryInMs);
}
