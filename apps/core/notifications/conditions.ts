import type { Deps } from '../deps.ts';
import { isUniqueViolation } from '../groups/unique-violation.ts';
import { type ExportFacts, exportEvent, type Why } from './events.ts';
import { type ConditionKind, STARTED_EVENT } from './kinds.ts';
import { channelsOf, type NotifyDeps, outboxRows, sendSoon, writeOutboxRows } from './outbox.ts';

/**
 * Starts a condition of an export and, when this call is the one that started it, announces it:
 * the `export_conditions` row moves from inactive to active by a conditional update (or is
 * inserted when absent), and the outbox rows of its event are written in the same transaction.
 * However many processes see the same condition at once, one update changes the row, so the
 * event goes out once (docs/notifications.md). Returns whether this call started it.
 */
export async function startCondition(
  deps: NotifyDeps,
  exportId: string,
  kind: ConditionKind,
  why: Why,
): Promise<boolean> {
  const exp = await exportFacts(deps, exportId);
  if (!exp) return false;
  const now = deps.clock.now();
  const channels = await channelsOf(deps, exp.groupId);
  const event = exportEvent(deps.config, STARTED_EVENT[kind], exp, why, now, { since: now.toISOString() });
  const rows = outboxRows(exp.groupId, channels, event);
  const active = { active: true, reason: why.message, since: now, changedAt: now };
  let started: boolean;
  try {
    started = await deps.db.$transaction(async (tx) => {
      const { count } = await tx.exportCondition.updateMany({ where: { exportId, kind, active: false }, data: active });
      if (!count) {
        const row = await tx.exportCondition.findUnique({ where: { exportId_kind: { exportId, kind } } });
        if (row) return false;
        await tx.exportCondition.create({ data: { exportId, kind, ...active } });
      }
      await writeOutboxRows(tx, rows);
      return true;
    });
  } catch (error) {
    // Another process inserted the row first (it announces), or the export was deleted meanwhile.
    if (isUniqueViolation(error) || isForeignKeyViolation(error)) return false;
    throw error;
  }
  if (!started) return false;
  rememberStarted(deps, exportId, kind);
  deps.logger.warn(
    { exportId, condition: kind, reason: why.reason, channels },
    `export condition started: ${why.message}`,
  );
  sendSoon(deps, rows);
  return true;
}

/**
 * Ends the export's active conditions (all, or those of `kinds`) and announces `export.recovered`
 * once, naming the ones this call ended, when it ended any (each by a conditional update, so a
 * condition ended by two processes at once is announced by one). Returns the kinds it ended.
 */
export async function endConditions(
  deps: NotifyDeps,
  exportId: string,
  why: Why,
  kinds?: readonly ConditionKind[],
): Promise<ConditionKind[]> {
  const activeRows = await deps.db.exportCondition.findMany({
    where: { exportId, active: true, ...(kinds ? { kind: { in: [...kinds] } } : {}) },
    select: { kind: true },
  });
  const exp = activeRows.length ? await exportFacts(deps, exportId) : null;
  if (!exp) {
    if (!kinds) deps.notifications.conditions.set(exportId, Promise.resolve([]));
    return [];
  }
  const now = deps.clock.now();
  const channels = await channelsOf(deps, exp.groupId);
  let rows: ReturnType<typeof outboxRows> = [];
  const ended = await deps.db.$transaction(async (tx) => {
    const done: ConditionKind[] = [];
    for (const { kind } of activeRows) {
      const { count } = await tx.exportCondition.updateMany({
        where: { exportId, kind, active: true },
        data: { active: false, changedAt: now },
      });
      if (count) done.push(kind as ConditionKind);
    }
    if (done.length) {
      rows = outboxRows(
        exp.groupId,
        channels,
        exportEvent(deps.config, 'export.recovered', exp, why, now, { ended: done }),
      );
      await writeOutboxRows(tx, rows);
    }
    return done;
  });
  forgetConditions(deps, exportId);
  if (!ended.length) return [];
  deps.logger.info({ exportId, ended, reason: why.reason, channels }, `export recovered: ${why.message}`);
  sendSoon(deps, rows);
  return ended;
}

/**
 * The export's active conditions as this process knows them: read at most every
 * CONDITIONS_CACHE_MS (state.ts), and at once for those it started itself.
 */
export function knownConditions(
  deps: Pick<Deps, 'db' | 'notifications'>,
  exportId: string,
): Promise<readonly ConditionKind[]> {
  return deps.notifications.conditions.getOrLoad(exportId, async () => {
    const rows = await deps.db.exportCondition.findMany({
      where: { exportId, active: true },
      select: { kind: true },
    });
    return rows.map((r) => r.kind as ConditionKind);
  });
}

/** The export's id, name and group, for an event; null when it was deleted. */
export function exportFacts(deps: Pick<Deps, 'db'>, exportId: string): Promise<ExportFacts | null> {
  return deps.db.export.findUnique({ where: { id: exportId }, select: { id: true, name: true, groupId: true } });
}

function rememberStarted(deps: Pick<Deps, 'notifications'>, exportId: string, kind: ConditionKind): void {
  const known = deps.notifications.conditions.get(exportId);
  deps.notifications.conditions.set(
    exportId,
    (known ?? Promise.resolve([])).then(
      (kinds) => (kinds.includes(kind) ? kinds : [...kinds, kind]),
      () => [kind],
    ),
  );
}

/** The next success reads the conditions again (some may be left, or started meanwhile). */
function forgetConditions(deps: Pick<Deps, 'notifications'>, exportId: string): void {
  deps.notifications.conditions.delete(exportId);
}

/** Prisma's "foreign key constraint failed" (P2003): the export is gone. */
function isForeignKeyViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2003';
}
