import { html } from '../../http/views/html.ts';
import { type AdminIntegrationViewer, adminIntegrationPage, readOnlyReason } from './admin-int-page.ts';

/** The events a group's notification webhook and addresses receive (docs/notifications.md), one line each. */
const EVENTS = [
  [
    'export.reauthorization_required',
    'The CRM refused an export’s authorization: a manager must press “Authorize Export” again.',
  ],
  ['export.failing', 'A delivery was given up, or an export has had no success for a while (default 1 hour).'],
  ['export.disabled', 'An export was switched off: its webhook answered 410 Gone, or it failed for days (default 5).'],
  [
    'export.recovered',
    'One of the conditions above ended: a delivery succeeded, or the export was authorized or enabled again.',
  ],
  ['notification.test', 'An admin pressed “Send test notification”.'],
] as const;

/**
 * Notifications (docs/notifications.md): where the group hears of exports that need attention, the
 * signing secret of a new webhook URL shown once, a test event, and what events exist.
 */
export function notificationsPage(viewer: AdminIntegrationViewer): string {
  return adminIntegrationPage({
    key: 'notifications',
    title: 'Notifications',
    lede: 'Where your group hears of exports that need a person: a signed webhook, mail, or both.',
    script: 'admin-notifications.js',
    viewer,
    readOnlyReason: readOnlyReason(viewer, 'members:manage', 'change notifications or send a test'),
    body: html`<section class="card narrow" aria-labelledby="targets-title" id="targets-card">
  <h2 id="targets-title">Where notifications go</h2>
  <p class="banner warn" id="smtp-off" hidden>This connector has no mail server (<code>SMTP_URL</code>): the addresses below get no mail until an operator sets one. The webhook works without it.</p>
  <form id="notifications-form" class="form" novalidate>
    <fieldset class="plain admin-int-fieldset" data-requires="members:manage">
      <legend class="visually-hidden">Notification settings</legend>
      <div class="field">
        <label for="webhookUrl">Webhook URL</label>
        <input id="webhookUrl" name="webhookUrl" inputmode="url" autocomplete="off" spellcheck="false" placeholder="https://ops.example.com/hooks/connector" aria-describedby="webhookUrl-hint">
        <p class="hint" id="webhookUrl-hint">Events are POSTed here with a Standard Webhooks signature. Leave empty for no webhook. A new URL gets a new signing secret.</p>
        <p class="field-error" id="webhookUrl-error" hidden></p>
      </div>
      <div class="field">
        <label for="emails">Email addresses</label>
        <textarea id="emails" name="emails" rows="3" autocomplete="off" spellcheck="false" aria-describedby="emails-hint"></textarea>
        <p class="hint" id="emails-hint">One per line (or separated by commas), at most 20.</p>
        <p class="field-error" id="emails-error" hidden></p>
      </div>
      <p class="form-error" id="notifications-error" role="alert" hidden></p>
      <div class="actions">
        <button class="button primary" type="submit">Save notifications</button>
        <button class="button" type="button" id="send-test">Send test notification</button>
        <span class="saved" id="notifications-saved" role="status"></span>
      </div>
    </fieldset>
  </form>
  <div class="secret admin-int-secret" id="notification-secret" hidden></div>
  <div class="admin-int-result" id="test-result" role="status"></div>
  <p class="muted small" id="notifications-updated"></p>
</section>
<section class="card narrow" aria-labelledby="events-title">
  <h2 id="events-title">Events</h2>
  <p class="muted small">Each condition is announced once when it starts, and once when it ends. Every event’s body is <code>{type, timestamp, data}</code>.</p>
  <ul class="admin-int-events">
    ${EVENTS.map(([type, text]) => html`<li><code>${type}</code> <span>${text}</span></li>`)}
  </ul>
</section>`,
  });
}
