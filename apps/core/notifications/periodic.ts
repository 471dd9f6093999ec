import { formatDuration } from './duration-text.ts';
import { endConditions, startCondition } from './conditions.ts';
import { type DisableDeps, disableExport } from './disable.ts';
import { sendDueNotifications } from './outbox.ts';

/** Deliveries that are work not done: waiting, being sent, or given up. */
const UNFINISHED = ['pending', 'delivering', 'failed', 'dead'];
/** Exports looked at per run and check (the rest come in the next run). */
const BATCH = 500;

export interface NotificationCheckResult {
  failing: number;
  disabled: number;
  reauthorizationRequired: number;
  recovered: number;
  sent: number;
}

/**
 * The maintenance task `notifications` (docs/notifications.md): finds the conditions no single
 * delivery reveals and sends what is due in the outbox.
 *
 * - failing: an enabled export with work older than EXPORT_FAILING_AFTER and no success (nor a
 *   manager's change) for that long;
 * - disabled: a failing export with no success (nor a manager's change, nor being enabled again)
 *   for EXPORT_DISABLE_AFTER;
 * - reauthorization_required: a connection in that status (the token service announces it when it
 *   happens; this finds what it missed), ended when the export is authorized again;
 * - a `disabled` condition ends when a manager enables the export again;
 * - outbox rows due for another attempt are sent.
 */
export async function runNotificationChecks(deps: DisableDeps): Promise<NotificationCheckResult> {
  // Settled conditions end first: an export enabled again a moment ago is not disabled again.
  const recovered = await endSettled(deps);
  const reauthorizationRequired = await findReauthorizationRequired(deps);
  const failing = await findFailing(deps);
  const disabled = await disableLongFailing(deps);
  const sent = await sendDueNotifications(deps);
  return { failing, disabled, reauthorizationRequired, recovered, sent };
}

async function findFailing(deps: DisableDeps): Promise<number> {
  const windowMs = deps.config.EXPORT_FAILING_AFTER;
  const cutoff = new Date(deps.clock.now().getTime() - windowMs);
  const candidates = await deps.db.export.findMany({
    where: {
      enabled: true,
      updatedAt: { lte: cutoff },
      OR: [{ lastSuccessAt: null }, { lastSuccessAt: { lte: cutoff } }],
      conditions: { none: { kind: 'failing', active: true } },
      deliveries: { some: { status: { in: UNFINISHED }, createdAt: { lte: cutoff } } },
    },
    select: { id: true, updatedAt: true, lastSuccessAt: true },
    take: BATCH,
  });
  let started = 0;
  for (const exp of candidates) {
    // Work that failed or waited since the last success or change, not an old failure long settled.
    const since = exp.lastSuccessAt && exp.lastSuccessAt > exp.updatedAt ? exp.lastSuccessAt : exp.updatedAt;
    const waiting = await deps.db.delivery.count({
      where: { exportId: exp.id, status: { in: UNFINISHED }, createdAt: { lte: cutoff }, updatedAt: { gt: since } },
    });
    if (!waiting) continue;
    const why = {
      reason: 'no_success',
      message: `No delivery has succeeded for ${formatDuration(windowMs)} while ${waiting} waited or failed`,
    };
    if (await startCondition(deps, exp.id, 'failing', why)) started++;
  }
  return started;
}

async function disableLongFailing(deps: DisableDeps): Promise<number> {
  const windowMs = deps.config.EXPORT_DISABLE_AFTER;
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - windowMs);
  const candidates = await deps.db.export.findMany({
    where: {
      enabled: true,
      updatedAt: { lte: cutoff },
      OR: [{ lastSuccessAt: null }, { lastSuccessAt: { lte: cutoff } }],
      AND: [
        { conditions: { some: { kind: 'failing', active: true } } },
        // Enabled again (the `disabled` condition ended) within the window: it gets a whole window.
        { conditions: { none: { kind: 'disabled', changedAt: { gt: cutoff } } } },
      ],
    },
    select: { id: true, groupId: true },
    take: BATCH,
  });
  let disabled = 0;
  for (const exp of candidates) {
    const why = {
      reason: 'failing',
      message: `No delivery succeeded for ${formatDuration(windowMs)} (disabled on ${now.toISOString()}); enable the export again once its webhook works`,
    };
    if (await disableExport(deps, exp, why)) disabled++;
  }
  return disabled;
}

async function findReauthorizationRequired(deps: DisableDeps): Promise<number> {
  const rows = await deps.db.oAuthConnection.findMany({
    where: {
      status: 'reauthorization_required',
      export: { conditions: { none: { kind: 'reauthorization_required', active: true } } },
    },
    select: { exportId: true, message: true },
    take: BATCH,
  });
  let started = 0;
  for (const row of rows) {
    const message =
      row.message ?? 'The CRM no longer accepts the export’s authorization: press "Authorize Export" again';
    if (await startCondition(deps, row.exportId, 'reauthorization_required', { reason: 'connection_status', message }))
      started++;
  }
  return started;
}

/** Ends the conditions a manager resolved without a delivery yet: authorized again, enabled again. */
async function endSettled(deps: DisableDeps): Promise<number> {
  const settled = await deps.db.exportCondition.findMany({
    where: {
      active: true,
      OR: [
        { kind: 'reauthorization_required', export: { oauthConnection: { status: 'authorized' } } },
        { kind: 'disabled', export: { enabled: true } },
      ],
    },
    select: { exportId: true, kind: true },
    take: BATCH,
  });
  let ended = 0;
  for (const row of settled) {
    const why =
      row.kind === 'disabled'
        ? { reason: 'enabled', message: 'The export was enabled again' }
        : { reason: 'reauthorized', message: 'The export was authorized again' };
    const kinds = await endConditions(deps, row.exportId, why, [row.kind as 'disabled' | 'reauthorization_required']);
    ended += kinds.length;
  }
  return ended;
}
