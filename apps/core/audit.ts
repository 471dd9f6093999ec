import type { Db } from './db/client.ts';
import { newId } from './ids.ts';

export interface AuditEntry {
  groupId?: string | null;
  actorType: 'user' | 'api_key' | 'system' | 'anonymous';
  actorId?: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  outcome: 'success' | 'refused';
  reason?: string;
  ip?: string | undefined;
  details?: Record<string, unknown>;
}

/** Writes one audit row: credential events and export changes. Never put a secret in `details`. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.auditLog.create({
    data: {
      id: newId('aud'),
      groupId: entry.groupId ?? null,
      actorType: entry.actorType,
      actorId: entry.actorId ?? null,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      outcome: entry.outcome,
      reason: entry.reason ?? null,
      ip: entry.ip ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
    },
  });
}
