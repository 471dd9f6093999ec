import { recordAudit } from '../audit.ts';
import { auditActor, type Caller } from '../auth/caller.ts';
import { AppError } from '../errors.ts';
import { testEvent } from './events.ts';
import type { Channel } from './kinds.ts';
import { channelsOf, type NotifyDeps, outboxRows, sendOutboxRow, writeOutboxRows } from './outbox.ts';

/** How the first attempt on one channel went: `pending` is retried like any notification. */
export interface TestChannelResult {
  channel: Channel;
  id: string;
  status: 'sent' | 'pending' | 'failed';
  error?: string;
}

/**
 * `POST /v1/groups/:group/notifications/test`: a `notification.test` event on every channel of
 * the group, through the outbox like any event, with the first attempt awaited so the admin sees
 * at once whether the webhook and the mail server took it.
 */
export async function sendTestNotification(
  deps: NotifyDeps,
  actor: Caller,
  group: { id: string; name: string },
): Promise<{ type: 'notification.test'; channels: TestChannelResult[] }> {
  const channels = await channelsOf(deps, group.id);
  if (!channels.length) {
    const mailOff = deps.config.SMTP_URL ? '' : ' (mail needs SMTP_URL on the connector)';
    throw new AppError(
      'NOTIFICATIONS_NOT_CONFIGURED',
      `The group has no notification webhook or mail address to send to${mailOff}: set them with PUT /v1/groups/:group/notifications`,
    );
  }
  const rows = outboxRows(group.id, channels, testEvent(group.id, group.name, deps.clock.now()));
  await writeOutboxRows(deps.db, rows);
  const results = await Promise.all(
    rows.map(async (row): Promise<TestChannelResult> => {
      await sendOutboxRow(deps, row.id);
      const after = await deps.db.notificationOutbox.findUnique({ where: { id: row.id } });
      const status = after?.status === 'sent' ? 'sent' : after?.status === 'failed' ? 'failed' : 'pending';
      return {
        channel: row.channel,
        id: row.id,
        status,
        ...(status !== 'sent' && after?.lastError ? { error: after.lastError } : {}),
      };
    }),
  );
  await recordAudit(deps.db, {
    groupId: group.id,
    ...auditActor(actor),
    action: 'group.notifications.test',
    targetType: 'group',
    targetId: group.id,
    outcome: 'success',
    details: { channels: results.map((r) => ({ channel: r.channel, status: r.status })) },
  });
  return { type: 'notification.test', channels: results };
}
