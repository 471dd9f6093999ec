import { DEFAULT_MAX_IN_FLIGHT, permanentStatusesOf, retryScheduleOf } from '../deliveries/policy.ts';
import { connectionView, type ConnectionView } from '../oauth/status.ts';

/** An export as the API answers it: never a secret (the signing secret appears only on create and rotate). */
export interface ExportView {
  id: string;
  name: string;
  webhookUrl: string;
  enabled: boolean;
  /** `disabled` when the export is switched off, else its OAuth connection status. */
  status: string;
  disabledReason: string | null;
  oauth: Pick<ConnectionView, 'configured' | 'status' | 'message'>;
  /** While a rotated-out signing secret still signs beside the new one. */
  previousSigningSecretExpiresAt: string | null;
  /** Seconds to wait after each failed attempt, before the next (the default when none was set). */
  retrySchedule: number[];
  /** 4xx statuses that fail at once instead of being retried. */
  permanentStatuses: number[];
  /** Deliveries of this export sent at once, across every worker process (1 when ordered). */
  maxInFlight: number;
  /** Deliveries started per minute at most; null for no limit. */
  rateLimitPerMinute: number | null;
  /** One at a time, in ingest order. */
  ordered: boolean;
  createdAt: string;
  updatedAt: string;
}

/** The Prisma `include` that gives `exportView` what it needs. */
export const exportViewInclude = {
  oauthConfig: { select: { exportId: true } },
  oauthConnection: {
    select: { status: true, message: true, lastError: true, authorizedAt: true, expiresAt: true, scopes: true },
  },
} as const;

interface ExportRow {
  id: string;
  name: string;
  webhookUrl: string;
  enabled: boolean;
  disabledReason: string | null;
  previousSecretExpiresAt: Date | null;
  retrySchedule: string | null;
  permanentStatuses: string | null;
  maxInFlight: number | null;
  rateLimitPerMinute: number | null;
  ordered: boolean;
  createdAt: Date;
  updatedAt: Date;
  oauthConfig: { exportId: string } | null;
  oauthConnection: Parameters<typeof connectionView>[1];
}

/** Maps a row (with `exportViewInclude`) to its API shape. */
export function exportView(row: ExportRow, now: Date): ExportView {
  const oauth = connectionView(Boolean(row.oauthConfig), row.oauthConnection);
  const previousValid = row.previousSecretExpiresAt && row.previousSecretExpiresAt > now;
  return {
    id: row.id,
    name: row.name,
    webhookUrl: row.webhookUrl,
    enabled: row.enabled,
    status: row.enabled ? oauth.status : 'disabled',
    disabledReason: row.enabled ? null : row.disabledReason,
    oauth: { configured: oauth.configured, status: oauth.status, message: oauth.message },
    previousSigningSecretExpiresAt: previousValid ? (row.previousSecretExpiresAt?.toISOString() ?? null) : null,
    retrySchedule: retryScheduleOf(row.retrySchedule),
    permanentStatuses: permanentStatusesOf(row.permanentStatuses),
    maxInFlight: row.ordered ? 1 : (row.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT),
    rateLimitPerMinute: row.rateLimitPerMinute,
    ordered: row.ordered,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
