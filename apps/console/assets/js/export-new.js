// Create an export (POST /v1/exports); the answer carries the signing secret, shown here once.
import { api, seg } from './api.js';
import { $ } from './dom.js';
import { clearErrors, initShell, showErrors, whileBusy } from './forms.js';
import { showSecretOnce } from './secret.js';

initShell();
const form = $('#create-form');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  const data = new FormData(form);
  const body = {
    name: String(data.get('name') || '').trim(),
    webhookUrl: String(data.get('webhookUrl') || '').trim(),
    enabled: data.get('enabled') === 'on',
  };
  try {
    const created = await whileBusy(form.querySelector('[type="submit"]'), () => api('POST', '/v1/exports', body));
    $('#create-card').hidden = true;
    showSecretOnce($('#created-secret'), created.signingSecret);
    $('#created-continue').href = `/console/exports/${seg(created.id)}`;
    $('#created-card').hidden = false;
    $('#created-title').focus?.();
  } catch (error) {
    if (error.status !== 401) showErrors(form, error);
  }
});
