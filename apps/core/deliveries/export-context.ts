import { secretContext } from '../crypto/contexts.ts';
import { TtlCache } from '../cache.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Db } from '../db/client.ts';
import type { Clock } from '../clock.ts';
import { DEFAULT_MAX_IN_FLIGHT, permanentStatusesOf } from './policy.ts';
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
  /** 4xx statuses that fail at once instead of being retried (policy.ts). */
  permanentStatuses: number[];
  /** Deliveries of this export in flight at once across every process (1 when ordered). */
  maxInFlight: number;
  /** Deliveries started per minute at most; null for no limit. */
  rateLimitPerMinute: number | null;
  /** One at a time in ingest order (`deliveries.sequence`). */
  ordered: boolean;
}

/**
 * How long a process reuses what it read of an export. Deliveries of one export come in bursts,
 * and reading (and decrypting) the export for each costs more than the rest of the attempt; a
 * change (disable, new URL, rotated secret) reaches every worker within this time.
 */
export const EXPORT_CACHE_MS = 1_000;

/** What this process read of exports, by export id (built by the composition root). */
export type ExportContextCache = TtlCache<Promise<ExportContext | null>>;

export function createExportContextCache(clock: Clock): ExportContextCache {
  return new TtlCache(clock, { ttlMs: EXPORT_CACHE_MS, maxEntries: 10_000 });
}

/** What reading an export needs (named field by field: apps/core/deps.ts imports this module). */
interface ExportReadDeps {
  db: Db;
  secretBox: SecretBox;
  clock: Clock;
}

/** The export of a delivery, from a one-second cache; null when it was deleted. */
export function loadExportContext(
  deps: ExportReadDeps & { exportContexts: ExportContextCache },
  exportId: string,
): Promise<ExportContext | null> {
  return deps.exportContexts.getOrLoad(exportId, () => readExportContext(deps, exportId));
}

/** Forgets what this process read of an export (after it changed the export itself). */
export function forgetExportContext(deps: { exportContexts: ExportContextCache }, exportId: string): void {
  deps.exportContexts.delete(exportId);
}

async function readExportContext(deps: ExportReadDeps, exportId: string): Promise<ExportContext | null> {
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
      permanentStatuses: true,
      maxInFlight: true,
      rateLimitPerMinute: true,
      ordered: true,
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
    permanentStatuses: permanentStatusesOf(row.permanentStatuses),
    maxInFlight: row.ordered ? 1 : (row.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT),
    rateLimitPerMinute: row.rateLimitPerMinute,
    ordered: row.ordered,
  };
}
