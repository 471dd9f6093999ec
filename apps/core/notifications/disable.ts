import { recordAudit } from '../audit.ts';
import { forgetExportContext } from '../deliveries/export-context.ts';
import { parkExportDeliveries } from '../deliveries/parking.ts';
import type { Deps } from '../deps.ts';
import { startCondition } from './conditions.ts';
import type { Why } from './events.ts';
import type { NotifyDeps } from './outbox.ts';

export type DisableDeps = NotifyDeps & Pick<Deps, 'store' | 'exportContexts'>;

/**
 * Switches an export off on the connector's own decision (its webhook answered 410 Gone, or it
 * has had no success for EXPORT_DISABLE_AFTER): `enabled = false` with the reason a manager sees,
 * its waiting deliveries parked (they go out once it is enabled again), an audit row, and the
 * `disabled` condition started, which announces `export.disabled` once. Returns false when it was
 * already disabled (by a manager, or by another process a moment ago).
 */
export async function disableExport(
  deps: DisableDeps,
  exp: { id: string; groupId: string },
  why: Why,
): Promise<boolean> {
  const { count } = await deps.db.export.updateMany({
    where: { id: exp.id, enabled: true },
    data: { enabled: false, disabledReason: why.message },
  });
  if (!count) return false;
  forgetExportContext(deps, exp.id);
  const parked = await parkExportDeliveries(deps, exp.id, `The export is disabled: ${why.message}`);
  await recordAudit(deps.db, {
    groupId: exp.groupId,
    actorType: 'system',
    action: 'export.disabled',
    targetType: 'export',
    targetId: exp.id,
    outcome: 'success',
    reason: why.reason,
    details: { parked },
  });
  deps.logger.warn({ exportId: exp.id, parked, reason: why.reason }, `export disabled: ${why.message}`);
  await startCondition(deps, exp.id, 'disabled', why);
  return true;
}
