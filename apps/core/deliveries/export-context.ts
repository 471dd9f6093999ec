import { secretContext } from '../crypto/contexts.ts';
import type { Deps } from '../deps.ts';
import { parseRetrySchedule } from './schedule.ts';

/** What a delivery needs of its export: where to send, how to sign, how to retry. */
export interface ExportContext {
  id: string;
  groupId: string;
  enabled: boolean;
  disabledReason: string | null;
  webhookUrl: string;
  /** The current signing secret, then the previous one while it is still valid (24 h after rotation). */
  signingSecrets: string[];
  retryScheduleMs: number[];
}

/** Loads an export for a delivery; null when it was deleted. */
export async function loadExportContext(
  deps: Pick<Deps, 'db' | 'secretBox' | 'clock'>,
  exportId: string,
): Promise<ExportContext | null> {
  const row = await deps.db.export.findUnique({
    where: { id: exportId },
    select: {
      id: true,
      groupId: true,
      enabled: true,
      disabledReason: true,
      webhookUrl: true,
      signingSecretEnc: true,
      previousSigningSecretEnc: true,
      previousSecretExpiresAt: true,
      retrySchedule: true,
    },
  });
  if (!row) return null;
  const signingSecrets = [deps.secretBox.decrypt(row.signingSecretEnc, secretContext.webhookSigningSecret(row.id))];
  if (row.previousSigningSecretEnc && row.previousSecretExpiresAt && row.previousSecretExpiresAt > deps.clock.now()) {
    signingSecrets.push(
      deps.secretBox.decrypt(row.previousSigningSecretEnc, secretContext.previousWebhookSigningSecret(row.id)),
    );
  }
  return {
    id: row.id,
    groupId: row.groupId,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    webhookUrl: row.webhookUrl,
    signingSecrets,
    retryScheduleMs: parseRetrySchedule(row.retrySchedule),
  };
}
