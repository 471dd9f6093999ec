import type { Deps } from '../deps.ts';
import type { Db } from '../db/client.ts';
import { newId } from '../ids.ts';
import type { NotificationEvent } from './events.ts';
import type { Channel } from './kinds.ts';
import { mailNotification } from './mail-channel.ts';
import { notificationTargets } from './settings.ts';
import { postNotification } from './webhook-channel.ts';

/** A row is tried this many times at most, then left `failed` with its last error. */
export const MAX_NOTIFICATION_ATTEMPTS = 10;
/** The wait after attempt k fails, before the next (about a day in all, like a delivery's schedule). */
export const NOTIFICATION_RETRY_MS = [30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000];
/** While one process sends a row, nobody else takes it; a process that died holding it gives it up after this. */
const CLAIM_LEASE_MS = 120_000;
/** Rows the periodic task sends per run, a few at a time. */
const DUE_BATCH = 100;
const PARALLEL = 4;

export type NotifyDeps = Pick<
  Deps,
  'db' | 'config' | 'clock' | 'logger' | 'dispatcher' | 'secretBox' | 'notifications' | 'metrics'
>;
/** The outbox through Prisma, or inside a transaction. */
type OutboxDb = Pick<Db, 'notificationOutbox'>;

/** An outbox row to write: one per event and channel. */
export interface OutboxRow {
  id: string;
  groupId: string;
  channel: Channel;
  type: string;
  payload: string;
  status: 'pending';
  nextAttemptAt: Date;
}

/**
 * The channels the group's notifications go to now: its webhook, and mail when it names addresses
 * and SMTP_URL is set. None when the group set nothing (the event is then only logged).
 */
export async function channelsOf(deps: Pick<Deps, 'db' | 'config'>, groupId: string): Promise<Channel[]> {
  const row = await deps.db.groupNotification.findUnique({
    where: { groupId },
    select: { webhookUrl: true, signingSecretEnc: true, emails: true },
  });
  if (!row) return [];
  const channels: Channel[] = [];
  if (row.webhookUrl && row.signingSecretEnc) channels.push('webhook');
  if (deps.config.SMTP_URL && row.emails !== '[]') channels.push('email');
  return channels;
}

/** The outbox rows of one event (the body as the webhook receives it). */
export function outboxRows(groupId: string, channels: readonly Channel[], event: NotificationEvent): OutboxRow[] {
  const payload = JSON.stringify(event);
  const now = new Date(event.timestamp);
  return channels.map((channel) => ({
    id: newId('ntf'),
    groupId,
    channel,
    type: event.type,
    payload,
    status: 'pending',
    nextAttemptAt: now,
  }));
}

/** Writes the rows (inside the caller's transaction when it passes one). */
export async function writeOutboxRows(db: OutboxDb, rows: readonly OutboxRow[]): Promise<void> {
  for (const row of rows) await db.notificationOutbox.create({ data: row });
}

/**
 * Starts sending the rows now, in the background: the caller (a delivery's outcome, the periodic
 * check) never waits for a receiver. What fails here is retried by `sendDueNotifications`.
 */
export function sendSoon(deps: NotifyDeps, rows: readonly OutboxRow[]): void {
  for (const row of rows) {
    deps.notifications.track(
      sendOutboxRow(deps, row.id).catch((error) =>
        deps.logger.error({ err: error, notificationId: row.id }, 'sending a notification failed'),
      ),
    );
  }
}

/** The rows due for another attempt, sent a few at a time (the maintenance task); returns how many were sent. */
export async function sendDueNotifications(deps: NotifyDeps): Promise<number> {
  const due = await deps.db.notificationOutbox.findMany({
    where: { status: 'pending', nextAttemptAt: { lte: deps.clock.now() } },
    orderBy: { nextAttemptAt: 'asc' },
    take: DUE_BATCH,
    select: { id: true },
  });
  let sent = 0;
  const lane = async () => {
    for (let row = due.shift(); row; row = due.shift()) {
      try {
        if ((await sendOutboxRow(deps, row.id)) === 'sent') sent++;
      } catch (error) {
        deps.logger.error({ err: error, notificationId: row.id }, 'sending a notification failed');
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, lane));
  return sent;
}

export type SendOutcome = 'sent' | 'retry' | 'failed' | 'skipped';

/**
 * One attempt at one row, when it is due and nobody else holds it: the row is claimed by a
 * conditional update (its attempt count moves on, and it is leased), sent, then marked sent, due
 * again after the next step of NOTIFICATION_RETRY_MS, or failed after MAX_NOTIFICATION_ATTEMPTS.
 */
export async function sendOutboxRow(deps: NotifyDeps, id: string): Promise<SendOutcome> {
  const row = await deps.db.notificationOutbox.findUnique({ where: { id } });
  const now = deps.clock.now();
  if (row?.status !== 'pending' || (row.nextAttemptAt && row.nextAttemptAt > now)) return 'skipped';
  const attempt = row.attempts + 1;
  const claimed = await deps.db.notificationOutbox.updateMany({
    where: { id, status: 'pending', attempts: row.attempts },
    data: { attempts: attempt, nextAttemptAt: new Date(now.getTime() + CLAIM_LEASE_MS) },
  });
  if (!claimed.count) return 'skipped';
  let error: string | null = null;
  let final = false;
  try {
    const event = JSON.parse(row.payload) as NotificationEvent;
    const targets = await notificationTargets(deps, row.groupId);
    if (row.channel === 'webhook') {
      if (!targets?.webhook) throw new Unsendable('The group no longer has a notification webhook');
      await postNotification(deps.dispatcher, {
        url: targets.webhook.url,
        id: row.id,
        body: row.payload,
        secret: targets.webhook.secret,
        now: deps.clock.now(),
      });
    } else {
      if (!targets?.emails.length) throw new Unsendable('The group no longer names mail addresses');
      if (!deps.config.SMTP_URL) throw new Unsendable('SMTP_URL is not set: the connector sends no mail');
      await mailNotification(deps, targets.emails, row.id, event);
    }
  } catch (caught) {
    error = describe(caught);
    final = caught instanceof Unsendable || attempt >= MAX_NOTIFICATION_ATTEMPTS;
  }
  const mine = { id, attempts: attempt };
  const at = deps.clock.now();
  const fields = { notificationId: id, channel: row.channel, type: row.type, attempt };
  if (error === null) {
    await deps.db.notificationOutbox.updateMany({
      where: mine,
      data: { status: 'sent', sentAt: at, nextAttemptAt: null, lastError: null },
    });
    deps.metrics.notifications.inc({ channel: row.channel, outcome: 'sent' });
    deps.logger.info(fields, 'notification sent');
    return 'sent';
  }
  if (final) {
    await deps.db.notificationOutbox.updateMany({
      where: mine,
      data: { status: 'failed', nextAttemptAt: null, lastError: error },
    });
    deps.metrics.notifications.inc({ channel: row.channel, outcome: 'failed' });
    deps.logger.warn({ ...fields, error }, 'notification given up');
    return 'failed';
  }
  const wait = NOTIFICATION_RETRY_MS[Math.min(attempt, NOTIFICATION_RETRY_MS.length) - 1] as number;
  const nextAttemptAt = new Date(at.getTime() + wait);
  await deps.db.notificationOutbox.updateMany({ where: mine, data: { nextAttemptAt, lastError: error } });
  deps.metrics.notifications.inc({ channel: row.channel, outcome: 'retry' });
  deps.logger.warn({ ...fields, error, nextAttemptAt }, 'notification not sent; will retry');
  return 'retry';
}

/** A row that no retry can send (its channel was removed meanwhile). */
class Unsendable extends Error {}

/** The error in words, with the first code found among its causes (ECONNREFUSED, PRIVATE_TARGET_REFUSED …). */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !message.includes(code)) {
      const detail = current !== error && current instanceof Error ? `: ${current.message}` : '';
      return `${message} (${code}${detail})`.slice(0, 1000);
    }
    current = (current as { cause?: unknown }).cause;
  }
  return message.slice(0, 1000);
}
