import type { Deps } from './deps.ts';
import { afterCursor, newestFirst, type Page, toPage } from './pagination.ts';

/** One audit row as `GET /v1/audit` answers it. */
export interface AuditItem {
  id: string;
  createdAt: string;
  action: string;
  outcome: string;
  reason: string | null;
  actorType: string;
  actorId: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}

export interface AuditQuery {
  limit: number;
  cursor?: string | undefined;
  /** Exact action (`api_key.create`) or a prefix ending in a dot (`api_key.`). */
  action?: string | undefined;
  outcome?: 'success' | 'refused' | undefined;
  actorId?: string | undefined;
  /** ISO 8601: rows at or after it. */
  since?: string | undefined;
  /** ISO 8601: rows before it. */
  until?: string | undefined;
}

/**
 * The group's audit log, newest first: credential events (issued, refused with the reason,
 * revoked) and configuration changes. Only rows of the caller's group; events that named no group
 * (an unknown key id, say) are kept for operators but belong to no group's list.
 */
export async function listAudit(deps: Pick<Deps, 'db'>, groupId: string, query: AuditQuery): Promise<Page<AuditItem>> {
  const action = query.action?.endsWith('.') ? { startsWith: query.action } : query.action;
  const rows = await deps.db.auditLog.findMany({
    where: {
      groupId,
      ...(action ? { action } : {}),
      ...(query.outcome ? { outcome: query.outcome } : {}),
      ...(query.actorId ? { actorId: query.actorId } : {}),
      // The cursor's own createdAt condition sits in an OR, so the window is an AND beside it.
      AND: [
        query.since ? { createdAt: { gte: new Date(query.since) } } : {},
        query.until ? { createdAt: { lt: new Date(query.until) } } : {},
      ],
      ...afterCursor(query.cursor),
    },
    orderBy: newestFirst,
    take: query.limit + 1,
  });
  return toPage(rows, query.limit, (row) => ({
    id: row.id,
    createdAt: row.createdAt.toISOString(),
    action: row.action,
    outcome: row.outcome,
    reason: row.reason,
    actorType: row.actorType,
    actorId: row.actorId,
    targetType: row.targetType,
    targetId: row.targetId,
    ip: row.ip,
    details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
  }));
}
