import { startCondition } from './conditions.ts';
import type { NotifyDeps } from './outbox.ts';

/**
 * Announces that an export needs a manager to authorize it again (`export.reauthorization_required`,
 * once per condition however many processes meet it). The token service calls it at the moment
 * the CRM refuses the grant (apps/core/tokens/refresh.ts); the periodic check (periodic.ts) finds
 * the connections it missed. `reason` is the OAuth error code (`invalid_grant`, `no_refresh_token`
 * …), `message` the sentence the connection shows. Never throws: a notification problem must not
 * change how the token service answers.
 */
export async function announceReauthorizationRequired(
  deps: NotifyDeps,
  exportId: string,
  reason: string,
  message = 'The CRM no longer accepts the export’s authorization: press "Authorize Export" again',
): Promise<void> {
  try {
    await startCondition(deps, exportId, 'reauthorization_required', { reason, message });
  } catch (error) {
    deps.logger.error({ err: error, exportId }, 'announcing that an export needs authorizing again failed');
  }
}
