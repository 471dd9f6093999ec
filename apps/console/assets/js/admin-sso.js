// Single sign-on: GET/PUT/DELETE /v1/groups/:group/sso (docs/api/keys-partners-sso.md). The
// client secret is write-only: the page shows whether one is set, and sends one only when typed.
import { api } from './api.js';
import { $, el, formatTime, setBadge, showMessage } from './dom.js';
import { confirmAction } from './dialog.js';
import { clearErrors, initShell, showErrors, whileBusy } from './forms.js';
import { copyField } from './secret.js';
import { flash, groupPath, markReady, showLoadError } from './admin-int-common.js';

initShell();
const path = `${groupPath}/sso`;
const form = $('#sso-form');
const removeButton = $('#remove-sso');
let configured = false;

function render(setting) {
  configured = Boolean(setting);
  setBadge($('#sso-state'), configured ? 'enabled' : 'not_configured', configured ? 'On' : 'Not configured');
  form.elements.issuer.value = setting?.issuer ?? '';
  form.elements.clientId.value = setting?.clientId ?? '';
  form.elements.clientSecret.value = '';
  if (setting?.defaultRole) form.elements.defaultRole.value = setting.defaultRole;
  const secretSet = Boolean(setting?.clientSecretSet);
  setBadge($('#secret-state'), secretSet ? 'enabled' : 'not_configured', secretSet ? 'Set' : 'Not set');
  $('#secret-help').textContent = secretSet
    ? 'Leave empty to keep the stored secret; it is never shown.'
    : 'Required the first time; never shown again once saved.';
  removeButton.hidden = !configured;
  const facts = $('#sso-facts');
  if (setting) {
    facts.replaceChildren(
      'Members sign in at ',
      el('a', { href: setting.signInUrl, class: 'mono' }, setting.signInUrl),
      `. Last changed ${formatTime(setting.updatedAt)}.`,
    );
  }
  facts.hidden = !setting;
}

async function load() {
  try {
    render(await api('GET', path));
  } catch (error) {
    if (error.status === 404) return render(null);
    setBadge($('#sso-state'), 'not_configured', 'Unavailable');
    form.hidden = true;
    showLoadError($('#page-error'), error, 'single sign-on');
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  const body = {
    issuer: form.elements.issuer.value.trim(),
    clientId: form.elements.clientId.value.trim(),
    defaultRole: form.elements.defaultRole.value,
  };
  const secret = form.elements.clientSecret.value;
  if (secret) body.clientSecret = secret;
  try {
    // The API reads the issuer's discovery document first: a wrong issuer comes back as its error.
    render(await whileBusy(form.querySelector('[type="submit"]'), () => api('PUT', path, body)));
    flash($('#sso-saved'), 'Saved');
  } catch (error) {
    if (error.status !== 401) showErrors(form, error);
  }
});

removeButton.addEventListener('click', async () => {
  const ok = await confirmAction({
    title: 'Remove single sign-on?',
    text: 'Members can no longer sign in with SSO. Members and their sessions stay; those with a password still sign in with it.',
    confirmLabel: 'Remove single sign-on',
  });
  if (!ok) return;
  try {
    await whileBusy(removeButton, () => api('DELETE', path));
    render(null);
    flash($('#sso-saved'), 'Removed');
  } catch (error) {
    if (error.status === 404) return render(null);
    if (error.status !== 401) showMessage($('#sso-error'), error.message);
  }
});

$('#copy-redirect-uri').addEventListener('click', (event) => copyField($('#redirect-uri'), event.currentTarget));
markReady(load());
