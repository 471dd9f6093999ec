// Notifications: GET/PUT /v1/groups/:group/notifications and POST …/test (docs/notifications.md).
// A new webhook URL's signing secret is in the PUT answer only: it is shown here once.
import { api } from './api.js';
import { $, badge, el, formatTime, showMessage } from './dom.js';
import { clearErrors, initShell, showErrors, whileBusy } from './forms.js';
import { showSecretOnce } from './secret.js';
import { entriesOf, flash, groupPath, markReady, showLoadError } from './admin-int-common.js';

initShell();
const path = `${groupPath}/notifications`;
const form = $('#notifications-form');
const testButton = $('#send-test');
const result = $('#test-result');

function render(setting) {
  form.elements.webhookUrl.value = setting.webhookUrl ?? '';
  form.elements.emails.value = setting.emails.join('\n');
  $('#smtp-off').hidden = setting.smtpConfigured;
  $('#notifications-updated').textContent = setting.updatedAt ? `Last changed ${formatTime(setting.updatedAt)}.` : '';
}

async function load() {
  try {
    render(await api('GET', path));
  } catch (error) {
    form.hidden = true;
    showLoadError($('#page-error'), error, 'where notifications go');
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  const webhookUrl = form.elements.webhookUrl.value.trim();
  // An empty field removes the webhook (and its secret); the API keeps the secret of an unchanged URL.
  const body = { webhookUrl: webhookUrl || null, emails: entriesOf(form.elements.emails.value) };
  try {
    const saved = await whileBusy(form.querySelector('[type="submit"]'), () => api('PUT', path, body));
    render(saved);
    const secretBox = $('#notification-secret');
    if (saved.signingSecret) showSecretOnce(secretBox, saved.signingSecret, 'Webhook signing secret');
    else if (!saved.webhookUrl) {
      secretBox.replaceChildren();
      secretBox.hidden = true;
    }
    flash($('#notifications-saved'), 'Saved');
  } catch (error) {
    if (error.status !== 401) showErrors(form, error);
  }
});

const CHANNEL_WORDS = { webhook: 'Webhook', email: 'Mail' };

testButton.addEventListener('click', async () => {
  result.replaceChildren();
  showMessage($('#notifications-error'), '');
  try {
    const answer = await whileBusy(testButton, () => api('POST', `${path}/test`));
    result.replaceChildren(
      el('p', {}, 'Test notification sent:'),
      el(
        'ul',
        {},
        answer.channels.map((c) =>
          el(
            'li',
            { 'data-channel': c.channel },
            `${CHANNEL_WORDS[c.channel] ?? c.channel}: `,
            c.status === 'sent'
              ? badge('delivered', 'Sent')
              : badge(
                  c.status === 'failed' ? 'failed' : 'pending',
                  c.status === 'failed' ? 'Failed' : 'Not yet: retried',
                ),
            c.error ? el('span', { class: 'muted small' }, ` ${c.error}`) : null,
          ),
        ),
      ),
    );
  } catch (error) {
    if (error.status !== 401) showMessage($('#notifications-error'), error.message);
  }
});

markReady(load());
