import type { Deps } from '../deps.ts';
import { endConditions, knownConditions } from './conditions.ts';
import type { NotifyDeps } from './outbox.ts';

/**
 * What a delivered delivery means for notifications: it ends the export's conditions
 * (`export.recovered`) and moves `exports.last_success_at`, which the periodic check reads. On the
 * hot path of every delivery, so most successes cost no query at all: the conditions come from
 * this process's short cache (state.ts) and the time is written at most about once a minute per
 * export and process.
 */
export async function noteSuccess(deps: NotifyDeps, exportId: string): Promise<void> {
  const active = await knownConditions(deps, exportId);
  if (active.length) await endConditions(deps, exportId, { reason: 'delivered', message: 'A delivery succeeded' });
  const written = deps.notifications.successWritten;
  if (written.get(exportId) !== undefined) return;
  written.set(exportId, true);
  await writeLastSuccess(deps, exportId);
}

/**
 * Sets `last_success_at` unless another process did so lately. The export's `updated_at` says
 * when a manager last changed it (the API shows it; the periodic check starts its clock there), so
 * it is written back unchanged: the update applies only while it is still the one read.
 */
async function writeLastSuccess(deps: Pick<Deps, 'db' | 'clock' | 'notifications'>, exportId: string): Promise<void> {
  const now = deps.clock.now();
  const row = await deps.db.export.findUnique({
    where: { id: exportId },
    select: { updatedAt: true, lastSuccessAt: true },
  });
  if (!row) return;
  const fresh =
    row.lastSuccessAt && now.getTime() - row.lastSuccessAt.getTime() < deps.notifications.lastSuccessEveryMs;
  if (fresh) return;
  await deps.db.export.updateMany({
    where: { id: exportId, updatedAt: row.updatedAt },
    data: { lastSuccessAt: now, updatedAt: row.updatedAt },
  });
}
