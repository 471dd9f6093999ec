// The OAuth panel: the "Configure OAuth" form (PUT /v1/exports/:id/oauth), the Salesforce
// preset, "Authorize Export" and, beside the buttons, what GET /v1/exports/:id/oauth says.
import { api, seg } from './api.js';
import { authorizeInThisTab, openAuthorizePopup, returnedFromAuthorize, watchPopup } from './authorize.js';
import { confirmAction } from './dialog.js';
import { $, can, setBadge, showMessage } from './dom.js';
import { clearErrors, showErrors, whileBusy } from './forms.js';
import { renderResult, renderWaiting } from './oauth-result.js';
import { salesforcePreset } from './salesforce.js';
import { copyField } from './secret.js';

const FIELDS = ['authorizationUrl', 'tokenUrl', 'clientId', 'clientSecret', 'scopes', 'tokenAuthMethod', 'issuer'];
const FINAL_WAIT_MS = 60_000;

/** Wires the panel for one export; answers the form and `saveIfChanged` for the buttons beside it. */
export function initOauthPanel(exportId) {
  const base = `/v1/exports/${seg(exportId)}/oauth`;
  const form = $('#oauth-form');
  const result = $('#oauth-result');
  const authorizeButton = $('#authorize-export');
  let state = null;
  let savedSnapshot = '';

  const snapshot = () => FIELDS.map((f) => form.elements[f].value.trim()).join('\n');
  const dirty = () => snapshot() !== savedSnapshot;

  function fillForm(config) {
    if (config) {
      form.elements.authorizationUrl.value = config.authorizationUrl;
      form.elements.tokenUrl.value = config.tokenUrl;
      form.elements.clientId.value = config.clientId;
      form.elements.scopes.value = (config.scopes ?? []).join(' ');
      form.elements.tokenAuthMethod.value = config.tokenAuthMethod ?? 'client_secret_post';
      form.elements.issuer.value = config.issuer ?? '';
      if (config.redirectUri) $('#redirect-uri').value = config.redirectUri;
    }
    form.elements.clientSecret.value = '';
    form.elements.clientSecret.placeholder = config?.clientSecretSet ? '••••••••  (set: leave empty to keep it)' : '';
    $('#clientSecret-state').textContent = config?.clientSecretSet
      ? 'A client secret is set. It is never shown again; type a new one to replace it.'
      : 'Not set yet. It is stored encrypted and never shown again.';
    $('#clientSecret-state').dataset.set = config?.clientSecretSet ? 'true' : 'false';
    savedSnapshot = snapshot();
  }

  function show(status) {
    state = status;
    setBadge($('#oauth-badge'), status.status);
    renderResult(result, status);
    authorizeButton.disabled = !can('exports:authorize');
    $('#forget-connection').hidden =
      !can('exports:authorize') || !['authorized', 'reauthorization_required'].includes(status.status);
  }

  async function refresh({ fill = false } = {}) {
    const status = await api('GET', base);
    if (fill) {
      fillForm(status.config);
      // A new export most likely needs the preset; a configured one keeps the form short.
      $('#preset').open = !status.configured;
    }
    show(status);
    return status;
  }

  /** After the popup reports or closes: read the outcome, waiting while the exchange runs. */
  async function settle(before, message) {
    const deadline = Date.now() + FINAL_WAIT_MS;
    let status = await refresh();
    while (status.status === 'pending' && Date.now() < deadline) {
      renderWaiting(result, 'The CRM answered: finishing the token exchange…');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      status = await refresh();
    }
    const unchanged =
      !message &&
      status.status === before?.status &&
      status.message === before?.message &&
      status.authorizedAt === before?.authorizedAt;
    if (unchanged) renderResult(result, status, notCompletedNote(status));
    result.focus?.();
  }

  /** The popup closed without reporting: say so, and what to do next. */
  function notCompletedNote(status) {
    const kept = status.status === 'authorized' ? ' The current authorization still works.' : '';
    return (
      'The authorization was not completed: the sign-in window was closed before the CRM sent you back.' +
      `${kept} Press Authorize Export to try again, and finish signing in and allowing access in the window that opens.`
    );
  }

  async function save() {
    clearErrors(form);
    const value = (name) => form.elements[name].value.trim();
    const body = {
      authorizationUrl: value('authorizationUrl'),
      tokenUrl: value('tokenUrl'),
      clientId: value('clientId'),
      scopes: value('scopes')
        .split(/[\s,]+/)
        .filter(Boolean),
      tokenAuthMethod: value('tokenAuthMethod'),
    };
    // The secret is write-only: an empty field keeps the stored one.
    if (form.elements.clientSecret.value) body.clientSecret = form.elements.clientSecret.value;
    if (value('issuer')) body.issuer = value('issuer');
    const config = await api('PUT', base, body);
    fillForm(config);
    await refresh();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await whileBusy($('#configure-oauth'), save);
      if (state?.status === 'not_authorized') {
        renderResult(result, state, 'OAuth settings saved. Press Authorize Export to sign in to the CRM.');
      }
    } catch (error) {
      if (error.status !== 401) showErrors(form, error);
    }
  });

  authorizeButton.addEventListener('click', async () => {
    // Open first, synchronously, while the click still counts as a user gesture.
    const popup = openAuthorizePopup();
    try {
      if (dirty() || !state?.configured) await whileBusy($('#configure-oauth'), save);
    } catch (error) {
      popup?.close();
      if (error.status !== 401) showErrors(form, error);
      return;
    }
    // Taken after saving: a first save turns "not configured" into "not authorized" by itself.
    const before = state;
    if (!popup) {
      renderWaiting(result, 'Popups are blocked: continuing in this tab…');
      return authorizeInThisTab(exportId);
    }
    renderWaiting(result, 'Sign in to the CRM and allow access in the window that opened…');
    watchPopup(popup, exportId, (message) => settle(before, message).catch(() => undefined));
  });

  $('#forget-connection').addEventListener('click', async () => {
    const ok = await confirmAction({
      title: 'Disconnect from the CRM?',
      text: 'The stored tokens are deleted. Deliveries wait until the export is authorized again.',
      confirmLabel: 'Disconnect',
    });
    if (!ok) return;
    try {
      await api('DELETE', `${base}/connection`);
      await refresh();
    } catch (error) {
      if (error.status !== 401) showMessage($('#oauth-error'), error.message);
    }
  });

  $('#copy-redirect-uri').addEventListener('click', (event) => copyField($('#redirect-uri'), event.currentTarget));
  $('#preset-host').addEventListener('change', (event) => {
    $('#preset-domain-field').hidden = event.currentTarget.value !== 'mydomain';
  });
  $('#apply-preset').addEventListener('click', () => {
    const preset = salesforcePreset($('#preset-host').value, $('#preset-domain').value);
    showMessage($('#preset-error'), preset.error);
    if (preset.error) return $('#preset-domain').focus();
    for (const [name, value] of Object.entries(preset)) form.elements[name].value = value;
    form.elements.clientId.focus();
  });

  // Back from a same-tab authorization (popup blocked), or the exchange still running: wait for it.
  const returned = returnedFromAuthorize(exportId);
  refresh({ fill: true })
    .then((status) => (returned || status.status === 'pending' ? settle(null, { returned }) : undefined))
    .catch((error) => {
      if (error.status !== 401)
        showMessage($('#oauth-error'), `The OAuth status could not be loaded: ${error.message}`);
    });

  return {
    form,
    /** Saves the form first when it differs from what is saved (as Authorize Export does). */
    saveIfChanged: async () => {
      if (dirty() || !state?.configured) await whileBusy($('#configure-oauth'), save);
    },
  };
}
