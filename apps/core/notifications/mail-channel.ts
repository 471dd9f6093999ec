import nodemailer, { type Transporter } from 'nodemailer';
import type { Deps } from '../deps.ts';
import type { NotificationEvent } from './events.ts';
import { mailText } from './mail-text.ts';
import { guardedSmtpSocket } from './smtp-socket.ts';

type MailDeps = Pick<Deps, 'config' | 'notifications'>;

/**
 * Mails one notification to the group's addresses through SMTP_URL (`smtp://user:pass@host:port`,
 * or `smtps://`): plain text, one message for every address. Throws when the server refuses it.
 */
export async function mailNotification(
  deps: MailDeps,
  to: readonly string[],
  id: string,
  event: NotificationEvent,
): Promise<void> {
  const { subject, text } = mailText(event);
  await mailer(deps).sendMail({
    from: deps.config.SMTP_FROM,
    to: [...to],
    subject,
    text,
    headers: { 'X-Connector-Event': event.type, 'X-Connector-Notification-Id': id },
  });
}

/**
 * The process's SMTP transport, made on first use. Outbound rules as for every call the connector
 * makes: through OUTBOUND_PROXY_URL when it is set (nodemailer tunnels with HTTP CONNECT), and
 * otherwise under the address policy (smtp-socket.ts) unless ALLOW_PRIVATE_TARGETS.
 */
function mailer(deps: MailDeps): Transporter {
  const state = deps.notifications;
  if (state.mailer) return state.mailer;
  const { SMTP_URL, OUTBOUND_PROXY_URL, ALLOW_PRIVATE_TARGETS } = deps.config;
  if (!SMTP_URL) throw new Error('SMTP_URL is not set: the connector sends no mail');
  const route = OUTBOUND_PROXY_URL
    ? { proxy: OUTBOUND_PROXY_URL }
    : ALLOW_PRIVATE_TARGETS
      ? {}
      : { getSocket: guardedSmtpSocket() };
  state.mailer = nodemailer.createTransport({
    url: SMTP_URL,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // The mail is text the connector writes: nothing in it may point at a file or a URL to fetch.
    disableFileAccess: true,
    disableUrlAccess: true,
    ...route,
  });
  return state.mailer;
}
