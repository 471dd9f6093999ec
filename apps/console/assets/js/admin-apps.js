// Apps: the group's third-party apps (GET/POST /v1/apps, DELETE /v1/apps/:id) and the apps the
// signed-in member authorized (GET /v1/auth/apps, DELETE /v1/auth/apps/:id);
// docs/api/third-party-apps.md. A new app's client secret is in the POST answer only.
import { api, seg } from './api.js';
import { $, el, showMessage } from './dom.js';
import { confirmAction } from './dialog.js';
import { clearErrors, initShell, showErrors, whileBusy } from './forms.js';
import { showSecretOnce } from './secret.js';
import { cell, entriesOf, markReady, showLoadError, timeCell } from './admin-int-common.js';

initShell();

function privilegeList(privileges) {
  return el(
    'ul',
    { class: 'privilege-tags' },
    privileges.map((p) => el('li', {}, el('code', {}, p))),
  );
}

/** The app's name after a row's button label, for screen readers ("Withdraw Partner dashboard"). */
const hiddenName = (name) => el('span', { class: 'visually-hidden' }, ` ${name}`);

// ── The group's apps (admins) ─────────────────────────────────────────────────────────────

const appsBody = $('#apps-body');
let appsCursor = null;

function appRow(app) {
  const remove = el('button', { type: 'button', class: 'button small danger' }, 'Delete', hiddenName(app.name));
  remove.addEventListener('click', () => deleteApp(app, remove));
  return el(
    'tr',
    { 'data-app-id': app.id },
    cell('th', 'Name', { scope: 'row' }, app.name),
    cell('td', 'Client ID', { class: 'mono admin-int-id' }, app.clientId),
    cell(
      'td',
      'Redirect URIs',
      {},
      el(
        'ul',
        { class: 'admin-int-list mono admin-int-id' },
        app.redirectUris.map((u) => el('li', {}, u)),
      ),
    ),
    cell('td', 'Privileges', {}, privilegeList(app.privileges)),
    cell('td', 'Actions', { class: 'row-actions' }, remove),
  );
}

async function loadApps(append) {
  try {
    const page = await api('GET', `/v1/apps${appsCursor ? `?cursor=${encodeURIComponent(appsCursor)}` : ''}`);
    const rows = page.items.map(appRow);
    if (append) appsBody.append(...rows);
    else appsBody.replaceChildren(...rows);
    appsCursor = page.nextCursor ?? null;
    $('#apps-more').hidden = !appsCursor;
    $('#apps-empty').hidden = appsBody.children.length > 0;
    $('#apps-table').hidden = appsBody.children.length === 0;
  } catch (error) {
    appsBody.replaceChildren();
    $('#apps-table').hidden = true;
    $('#create-app-card').hidden = error.status === 403;
    showLoadError($('#page-error'), error, 'your group’s apps');
  }
}

async function deleteApp(app, button) {
  const ok = await confirmAction({
    title: `Delete ${app.name}?`,
    text: `Every token of ${app.name} stops working at once, for every member who authorized it, and it can no longer sign anyone in. This cannot be undone.`,
    confirmLabel: 'Delete app',
  });
  if (!ok) return;
  try {
    await whileBusy(button, () => api('DELETE', `/v1/apps/${seg(app.id)}`));
    appsCursor = null;
    await Promise.all([loadApps(false), loadAuthorized()]);
  } catch (error) {
    if (error.status !== 401) showMessage($('#page-error'), `The app could not be deleted: ${error.message}`);
  }
}

const appForm = $('#app-form');

appForm?.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(appForm);
  const body = {
    name: appForm.elements.name.value.trim(),
    redirectUris: entriesOf(appForm.elements.redirectUris.value),
    privileges: [...appForm.querySelectorAll('[data-privilege]:checked')].map((box) => box.value),
  };
  try {
    const app = await whileBusy(appForm.querySelector('[type="submit"]'), () => api('POST', '/v1/apps', body));
    $('#app-created-client-id').value = app.clientId;
    showSecretOnce($('#app-secret'), app.clientSecret, 'Client secret');
    $('#app-created').hidden = false;
    appForm.reset();
    appsCursor = null;
    await loadApps(false);
  } catch (error) {
    if (error.status !== 401) showErrors(appForm, error);
  }
});

// ── Apps the member authorized ───────────────────────────────────────────────────────────

const authorizedBody = $('#authorized-body');

function authorizedRow(app) {
  const withdraw = el('button', { type: 'button', class: 'button small' }, 'Withdraw', hiddenName(app.name));
  withdraw.addEventListener('click', () => withdrawApp(app, withdraw));
  return el(
    'tr',
    { 'data-app-id': app.id },
    cell('th', 'App', { scope: 'row' }, app.name),
    cell('td', 'Privileges you allowed', {}, privilegeList(app.privileges)),
    cell('td', 'Authorized', {}, timeCell(app.authorizedAt)),
    cell('td', 'Actions', { class: 'row-actions' }, withdraw),
  );
}

async function loadAuthorized() {
  showMessage($('#authorized-error'), '');
  try {
    const { items } = await api('GET', '/v1/auth/apps');
    authorizedBody.replaceChildren(...items.map(authorizedRow));
    $('#authorized-empty').hidden = items.length > 0;
    $('#authorized-table').hidden = items.length === 0;
  } catch (error) {
    authorizedBody.replaceChildren();
    $('#authorized-table').hidden = true;
    showLoadError($('#authorized-error'), error, 'the apps you authorized');
  }
}

async function withdrawApp(app, button) {
  const ok = await confirmAction({
    title: `Withdraw ${app.name}?`,
    text: `${app.name} can no longer act for you: its tokens stop working at once. It would have to ask you again.`,
    confirmLabel: 'Withdraw',
  });
  if (!ok) return;
  try {
    await whileBusy(button, () => api('DELETE', `/v1/auth/apps/${seg(app.id)}`));
  } catch (error) {
    // 404: withdrawn already (another tab, or the app was deleted): the list below shows that.
    if (error.status !== 404 && error.status !== 401) {
      showMessage($('#authorized-error'), `The app could not be withdrawn: ${error.message}`);
      return;
    }
  }
  await loadAuthorized();
}

$('#apps-load-more')?.addEventListener('click', () => loadApps(true));
markReady(appsBody ? loadApps(false) : null, loadAuthorized());
