import { recordAudit } from '../audit.ts';
import type { Caller } from '../auth/caller.ts';
import { secretContext } from '../crypto/contexts.ts';
import type { Deps } from '../deps.ts';
import { notFound, validationFailed } from '../errors.ts';
import { retryScheduleColumn } from '../deliveries/policy.ts';
import { newId } from '../ids.ts';
import { checkOutboundUrl } from '../net/url-policy.ts';
import { loadTokens } from '../oauth/connection-store.ts';
import { revocationDetails, revokeAtCrm } from '../oauth/revocation.ts';
import { afterCursor, newestFirst, type Page, toPage } from '../pagination.ts';
import { newSigningSecret, PREVIOUS_SECRET_LIFETIME_MS } from './signing-secret.ts';
import { exportView, exportViewInclude, type ExportView } from './views.ts';

/** The delivery policy an export may set (deliveries/policy.ts). */
export interface DeliveryPolicy {
  retrySchedule?: number[] | undefined;
  permanentStatuses?: number[] | undefined;
  maxInFlight?: number | undefined;
  rateLimitPerMinute?: number | null | undefined;
  ordered?: boolean | undefined;
}

export interface NewExport extends DeliveryPolicy {
  name: string;
  webhookUrl: string;
  enabled?: boolean | undefined;
}

export interface ExportChanges extends DeliveryPolicy {
  name?: string | undefined;
  webhookUrl?: string | undefined;
  enabled?: boolean | undefined;
}

type ExportDeps = Pick<Deps, 'db' | 'config' | 'secretBox' | 'clock'>;

/**
 * Checks a webhook URL: https (unless ALLOW_INSECURE_HTTP) to a public address (unless
 * ALLOW_PRIVATE_TARGETS). It may start with `{instance_url}`, filled at delivery time from the
 * Salesforce connection (the org's API host is only known after authorization).
 */
export async function assertWebhookUrl(deps: Pick<Deps, 'config'>, url: string, field = 'webhookUrl'): Promise<void> {
  const problem = await checkOutboundUrl(url, policyOf(deps), { allowPlaceholders: true });
  if (problem) throw validationFailed([{ field, message: problem }]);
}

/** The outbound URL policy from the configuration. */
export function policyOf(deps: Pick<Deps, 'config'>) {
  return {
    allowPrivateTargets: deps.config.ALLOW_PRIVATE_TARGETS,
    allowInsecureHttp: deps.config.ALLOW_INSECURE_HTTP,
  };
}

/** The columns of the policy fields given (the schedule with its leading immediate attempt). */
function policyColumns(policy: DeliveryPolicy): {
  retrySchedule?: string;
  permanentStatuses?: string;
  maxInFlight?: number;
  rateLimitPerMinute?: number | null;
  ordered?: boolean;
} {
  return {
    ...(policy.maxInFlight !== undefined ? { maxInFlight: policy.maxInFlight } : {}),
    ...(policy.rateLimitPerMinute !== undefined ? { rateLimitPerMinute: policy.rateLimitPerMinute } : {}),
    ...(policy.ordered !== undefined ? { ordered: policy.ordered } : {}),
    ...(policy.retrySchedule ? { retrySchedule: retryScheduleColumn(policy.retrySchedule) } : {}),
    ...(policy.permanentStatuses ? { permanentStatuses: JSON.stringify([...new Set(policy.permanentStatuses)]) } : {}),
  };
}

/** Creates an export with a new signing secret, which this answer alone reveals. */
export async function createExport(
  deps: ExportDeps,
  actor: Caller,
  input: NewExport,
): Promise<ExportView & { signingSecret: string }> {
  await assertWebhookUrl(deps, input.webhookUrl);
  const id = newId('exp');
  const signingSecret = newSigningSecret();
  const row = await deps.db.export.create({
    data: {
      id,
      groupId: actor.groupId,
      name: input.name,
      webhookUrl: input.webhookUrl,
      enabled: input.enabled ?? true,
      ...policyColumns(input),
      signingSecretEnc: deps.secretBox.encrypt(signingSecret, secretContext.webhookSigningSecret(id)),
    },
    include: exportViewInclude,
  });
  await audit(deps, actor, 'export.create', id, { name: input.name, webhookUrl: input.webhookUrl });
  return { ...exportView(row, deps.clock.now()), signingSecret };
}

/** The group's exports, newest first, by cursor. */
export async function listExports(
  deps: ExportDeps,
  groupId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Page<ExportView>> {
  const rows = await deps.db.export.findMany({
    where: { groupId, ...afterCursor(page.cursor) },
    orderBy: newestFirst,
    take: page.limit + 1,
    include: exportViewInclude,
  });
  const now = deps.clock.now();
  return toPage(rows, page.limit, (row) => exportView(row, now));
}

/** One export of the group; 404 when it does not exist or belongs to another group. */
export async function getExport(deps: ExportDeps, groupId: string, exportId: string): Promise<ExportView> {
  const row = await deps.db.export.findFirst({ where: { id: exportId, groupId }, include: exportViewInclude });
  if (!row) throw notFound('The export');
  return exportView(row, deps.clock.now());
}

/** Throws 404 unless the export exists in the group; returns its row. */
export async function requireExport(deps: Pick<Deps, 'db'>, groupId: string, exportId: string) {
  const row = await deps.db.export.findFirst({ where: { id: exportId, groupId } });
  if (!row) throw notFound('The export');
  return row;
}

/** Changes name, webhook URL or enabled; switching an export back on clears its disabled reason. */
export async function updateExport(
  deps: ExportDeps,
  actor: Caller,
  exportId: string,
  changes: ExportChanges,
): Promise<ExportView> {
  await requireExport(deps, actor.groupId, exportId);
  if (changes.webhookUrl !== undefined) await assertWebhookUrl(deps, changes.webhookUrl);
  const data: Record<string, unknown> = {};
  if (changes.name !== undefined) data.name = changes.name;
  if (changes.webhookUrl !== undefined) data.webhookUrl = changes.webhookUrl;
  if (changes.enabled !== undefined) {
    data.enabled = changes.enabled;
    data.disabledReason = changes.enabled ? null : 'Disabled by a manager';
  }
  Object.assign(data, policyColumns(changes));
  const row = await deps.db.export.update({ where: { id: exportId }, data, include: exportViewInclude });
  await audit(deps, actor, 'export.update', exportId, { changed: Object.keys(changes) });
  return exportView(row, deps.clock.now());
}

/**
 * Deletes an export with its OAuth configuration, tokens, requests and deliveries (cascade), after
 * revoking its refresh token at the CRM (RFC 7009, at most the revocation wait; deleted whatever the
 * CRM said). The audit row records what the CRM said.
 */
export async function deleteExport(
  deps: ExportDeps & Pick<Deps, 'dispatcher' | 'logger' | 'tokenCache'>,
  actor: Caller,
  exportId: string,
): Promise<void> {
  const row = await requireExport(deps, actor.groupId, exportId);
  const config = await deps.db.oAuthConfig.findUnique({ where: { exportId } });
  const revocation = await revokeAtCrm(deps, config, await loadTokens(deps, exportId));
  await deps.db.export.delete({ where: { id: exportId } });
  deps.tokenCache.tokens.delete(exportId);
  await audit(deps, actor, 'export.delete', exportId, { name: row.name, ...revocationDetails(revocation) });
}

/**
 * Rotates the webhook signing secret. The previous one keeps signing beside the new one for 24 h
 * (Standard Webhooks allows several `v1,` signatures), so receivers can switch without a gap.
 */
export async function rotateSigningSecret(
  deps: ExportDeps,
  actor: Caller,
  exportId: string,
): Promise<{ signingSecret: string; previousSigningSecretExpiresAt: string }> {
  const row = await requireExport(deps, actor.groupId, exportId);
  const current = deps.secretBox.decrypt(row.signingSecretEnc, secretContext.webhookSigningSecret(exportId));
  const signingSecret = newSigningSecret();
  const previousExpiresAt = new Date(deps.clock.now().getTime() + PREVIOUS_SECRET_LIFETIME_MS);
  await deps.db.export.update({
    where: { id: exportId },
    data: {
      signingSecretEnc: deps.secretBox.encrypt(signingSecret, secretContext.webhookSigningSecret(exportId)),
      previousSigningSecretEnc: deps.secretBox.encrypt(current, secretContext.previousWebhookSigningSecret(exportId)),
      previousSecretExpiresAt: previousExpiresAt,
    },
  });
  await audit(deps, actor, 'export.signing_secret.rotate', exportId, {
    previousExpiresAt: previousExpiresAt.toISOString(),
  });
  return { signingSecret, previousSigningSecretExpiresAt: previousExpiresAt.toISOString() };
}

/** One audit row for a change an actor made to an export (never a secret in `details`). */
export function audit(
  deps: Pick<Deps, 'db'>,
  actor: Caller,
  action: string,
  exportId: string,
  details?: Record<string, unknown>,
): Promise<void> {
  return recordAudit(deps.db, {
    groupId: actor.groupId,
    actorType: actor.kind,
    actorId: actor.id,
    action,
    targetType: 'export',
    targetId: exportId,
    outcome: 'success',
    ip: actor.ip,
    details,
  });
}
