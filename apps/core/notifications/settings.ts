import { recordAudit } from '../audit.ts';
import { auditActor, type Caller } from '../auth/caller.ts';
import { secretContext } from '../crypto/contexts.ts';
import type { Deps } from '../deps.ts';
import { validationFailed } from '../errors.ts';
import { policyOf } from '../exports/export-service.ts';
import { newSigningSecret } from '../exports/signing-secret.ts';
import { checkOutboundUrl } from '../net/url-policy.ts';

/** Mail addresses a group may name at most. */
export const MAX_NOTIFICATION_EMAILS = 20;

/** The setting as `GET /v1/groups/:group/notifications` shows it: never the signing secret. */
export interface NotificationSettingView {
  webhookUrl: string | null;
  emails: string[];
  /** Whether the connector can send mail at all (SMTP_URL is set): without it `emails` get nothing. */
  smtpConfigured: boolean;
  updatedAt: string | null;
}

/** `PUT` fields: absent keeps what is stored; `webhookUrl: null` removes the webhook (and its secret). */
export interface NotificationChanges {
  webhookUrl?: string | null | undefined;
  emails?: string[] | undefined;
}

/** Where a group's notifications go, the secret decrypted (only the sender reads it). */
export interface NotificationTargets {
  webhook: { url: string; secret: string } | null;
  emails: string[];
}

type SettingDeps = Pick<Deps, 'db' | 'config' | 'secretBox' | 'clock'>;

/** The group's setting, for `GET` (no setting yet: no webhook, no addresses). */
export async function getNotificationSetting(
  deps: Pick<Deps, 'db' | 'config'>,
  groupId: string,
): Promise<NotificationSettingView> {
  const row = await deps.db.groupNotification.findUnique({ where: { groupId } });
  return {
    webhookUrl: row?.webhookUrl ?? null,
    emails: row ? emailsOf(row.emails) : [],
    smtpConfigured: Boolean(deps.config.SMTP_URL),
    updatedAt: row?.updatedAt.toISOString() ?? null,
  };
}

/**
 * Changes the group's setting. A webhook URL that differs from the stored one gets a new
 * Standard Webhooks signing secret, which this answer alone shows (stored encrypted, bound to the
 * group); the same URL keeps its secret. The URL passes the same outbound policy as an export's
 * webhook (apps/core/net/url-policy.ts); the sender's dispatcher checks the address again.
 */
export async function putNotificationSetting(
  deps: SettingDeps,
  actor: Caller,
  changes: NotificationChanges,
): Promise<NotificationSettingView & { signingSecret?: string }> {
  const groupId = actor.groupId;
  if (typeof changes.webhookUrl === 'string') {
    const problem = await checkOutboundUrl(changes.webhookUrl, policyOf(deps));
    if (problem) throw validationFailed([{ field: 'webhookUrl', message: problem }]);
  }
  const existing = await deps.db.groupNotification.findUnique({ where: { groupId } });
  const data: { webhookUrl?: string | null; signingSecretEnc?: string | null; emails?: string } = {};
  let signingSecret: string | undefined;
  let secret: 'new' | 'kept' | 'removed' | undefined;
  if (changes.webhookUrl === null) {
    Object.assign(data, { webhookUrl: null, signingSecretEnc: null });
    secret = existing?.signingSecretEnc ? 'removed' : undefined;
  } else if (changes.webhookUrl !== undefined) {
    if (changes.webhookUrl !== existing?.webhookUrl || !existing.signingSecretEnc) {
      signingSecret = newSigningSecret();
      const context = secretContext.notificationSigningSecret(groupId);
      Object.assign(data, {
        webhookUrl: changes.webhookUrl,
        signingSecretEnc: deps.secretBox.encrypt(signingSecret, context),
      });
      secret = 'new';
    } else secret = 'kept';
  }
  if (changes.emails !== undefined) data.emails = JSON.stringify(uniqueEmails(changes.emails));
  await deps.db.groupNotification.upsert({ where: { groupId }, create: { groupId, ...data }, update: data });
  await recordAudit(deps.db, {
    groupId,
    ...auditActor(actor),
    action: 'group.notifications.update',
    targetType: 'group',
    targetId: groupId,
    outcome: 'success',
    details: {
      changed: Object.keys(changes).filter((k) => changes[k as keyof NotificationChanges] !== undefined),
      ...(data.webhookUrl !== undefined ? { webhookUrl: data.webhookUrl } : {}),
      ...(data.emails !== undefined ? { emails: JSON.parse(data.emails).length } : {}),
      ...(secret ? { signingSecret: secret } : {}),
    },
  });
  const view = await getNotificationSetting(deps, groupId);
  return signingSecret ? { ...view, signingSecret } : view;
}

/** Where the group's notifications go now; null when it has no setting. */
export async function notificationTargets(
  deps: Pick<Deps, 'db' | 'secretBox'>,
  groupId: string,
): Promise<NotificationTargets | null> {
  const row = await deps.db.groupNotification.findUnique({ where: { groupId } });
  if (!row) return null;
  const webhook =
    row.webhookUrl && row.signingSecretEnc
      ? {
          url: row.webhookUrl,
          secret: deps.secretBox.decrypt(row.signingSecretEnc, secretContext.notificationSigningSecret(groupId)),
        }
      : null;
  return { webhook, emails: emailsOf(row.emails) };
}

/** Addresses in the order given, each once (compared without case). */
function uniqueEmails(emails: readonly string[]): string[] {
  const seen = new Set<string>();
  return emails.filter((email) => {
    const key = email.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function emailsOf(column: string): string[] {
  try {
    const parsed: unknown = JSON.parse(column);
    return Array.isArray(parsed) ? parsed.filter((e): e is string => typeof e === 'string') : [];
  } catch {
    return [];
  }
}
