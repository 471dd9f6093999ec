// The export page: header (name, badges, enable/disable, delete), section nav, webhook settings
// and signing secret rotation; the OAuth panel (with Check configuration and Send test event), the
// delivery settings and the delivery log live in their own modules.
import { api, seg } from './api.js';
import { $, badge, el, formatTime, showMessage, timeEl } from './dom.js';
import { confirmAction } from './dialog.js';
import { initDeliveries } from './deliveries.js';
import { initDeliverySettings } from './delivery-settings.js';
import { clearErrors, initShell, showErrors, whileBusy } from './forms.js';
import { initCheckConfiguration } from './oauth-check.js';
import { initOauthPanel } from './oauth-panel.js';
import { initSectionNav } from './section-nav.js';
import { showSecretOnce } from './secret.js';
import { initTestEvent } from './test-event.js';

initShell();
initSectionNav($('#section-nav'));
const exportId = document.body.dataset.exportId;
const base = `/v1/exports/${seg(exportId)}`;
const webhookForm = $('#webhook-form');
const settings = initDeliverySettings(exportId, (item) => render(item));
let current = null;

function render(item) {
  current = item;
  document.title = `${item.name} · Export Connector`;
  $('#export-name').textContent = item.name;
  $('#crumb-name').textContent = item.name;
  $('#export-badges').replaceChildren(
    item.enabled ? badge('enabled', 'Enabled') : badge('disabled', 'Disabled'),
    el('span', { class: 'muted small' }, 'Created ', timeEl(item.createdAt)),
    el('span', { class: 'muted small mono' }, item.id),
  );
  const previous = item.previousSigningSecretExpiresAt;
  showMessage($('#previous-secret'), previous ? `The previous secret also signs until ${formatTime(previous)}.` : '');
  const toggle = $('#toggle-enabled');
  toggle.textContent = item.enabled ? 'Disable' : 'Enable';
  if (!toggle.dataset.forbidden) toggle.disabled = false;
  const del = $('#delete-export');
  if (!del.dataset.forbidden) del.disabled = false;
  showMessage($('#disabled-reason'), !item.enabled && item.disabledReason ? `Disabled: ${item.disabledReason}` : '');
  webhookForm.elements.name.value = item.name;
  webhookForm.elements.webhookUrl.value = item.webhookUrl;
}

async function load() {
  try {
    const item = await api('GET', base);
    render(item);
    // Only here: a save elsewhere on the page must not overwrite settings being edited.
    settings.fill(item);
  } catch (error) {
    if (error.status === 404) {
      $('#export-name').textContent = 'Export not found';
      showMessage($('#page-error'), 'This export does not exist in your group (it may have been deleted).');
      for (const part of document.querySelectorAll('.card, .page-head .actions, .section-nav')) part.hidden = true;
    } else if (error.status !== 401) {
      showMessage($('#page-error'), `The export could not be loaded: ${error.message}`);
    }
    return false;
  }
  return true;
}

webhookForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(webhookForm);
  const body = {
    name: webhookForm.elements.name.value.trim(),
    webhookUrl: webhookForm.elements.webhookUrl.value.trim(),
  };
  try {
    render(await whileBusy(webhookForm.querySelector('[type="submit"]'), () => api('PATCH', base, body)));
    flash($('#webhook-saved'), 'Saved');
  } catch (error) {
    if (error.status !== 401) showErrors(webhookForm, error);
  }
});

$('#toggle-enabled').addEventListener('click', async (event) => {
  const enabling = !current.enabled;
  if (!enabling) {
    const ok = await confirmAction({
      title: `Disable ${current.name}?`,
      text: 'New engagements will not be sent to this export until you enable it again.',
      confirmLabel: 'Disable export',
    });
    if (!ok) return;
  }
  try {
    render(await whileBusy(event.currentTarget, () => api('PATCH', base, { enabled: enabling })));
  } catch (error) {
    if (error.status !== 401) showMessage($('#page-error'), error.message);
  }
});

$('#delete-export').addEventListener('click', async () => {
  const ok = await confirmAction({
    title: `Delete ${current.name}?`,
    text: 'Its OAuth connection, tokens and delivery log are deleted too. This cannot be undone.',
    confirmLabel: 'Delete export',
  });
  if (!ok) return;
  try {
    await api('DELETE', base);
    location.assign('/console/exports');
  } catch (error) {
    if (error.status !== 401) showMessage($('#page-error'), `The export could not be deleted: ${error.message}`);
  }
});

$('#rotate-secret').addEventListener('click', async (event) => {
  const ok = await confirmAction({
    title: 'Rotate the signing secret?',
    text: 'A new secret is created and shown once. The current one keeps signing beside it for 24 hours, so receivers can switch without losing a push.',
    confirmLabel: 'Rotate secret',
  });
  if (!ok) return;
  try {
    const answer = await whileBusy(event.currentTarget, () => api('POST', `${base}/signing-secret`));
    showSecretOnce($('#rotated-secret'), answer.signingSecret, 'New signing secret');
  } catch (error) {
    if (error.status !== 401) showMessage($('#page-error'), `The secret could not be rotated: ${error.message}`);
  }
});

function flash(node, text) {
  node.textContent = text;
  setTimeout(() => {
    node.textContent = '';
  }, 2500);
}

if (await load()) {
  const panel = initOauthPanel(exportId);
  initCheckConfiguration(exportId, panel);
  const deliveries = initDeliveries(exportId);
  initTestEvent(exportId, () => deliveries.reload());
}
