import type { Deps } from '../deps.ts';
import type { ConditionKind } from './kinds.ts';

/** An export in a condition someone must look at, as the console's exports list shows it. */
export interface ExportNeedingAttention {
  exportId: string;
  exportName: string;
  condition: ConditionKind;
  /** The sentence the condition started with (the 410, the dead delivery, the CRM's refusal …). */
  reason: string | null;
  since: Date | null;
}

/** How many the console lists at most (the oldest conditions first). */
const LIMIT = 100;

/** The group's exports with an active condition: failing, re-authorization required, disabled. */
export async function exportsNeedingAttention(
  deps: Pick<Deps, 'db'>,
  groupId: string,
): Promise<ExportNeedingAttention[]> {
  const rows = await deps.db.exportCondition.findMany({
    where: { active: true, export: { groupId } },
    orderBy: { since: 'asc' },
    take: LIMIT,
    select: { kind: true, reason: true, since: true, export: { select: { id: true, name: true } } },
  });
  return rows.map((row) => ({
    exportId: row.export.id,
    exportName: row.export.name,
    condition: row.kind as ConditionKind,
    reason: row.reason,
    since: row.since,
  }));
}
