// API keys: GET /v1/api-keys (never a secret), POST to create one (its secret is in that answer
// only, shown here once) and DELETE to revoke (docs/api/keys-partners-sso.md).
import { api, seg } from './api.js';
import { loadIfReadable, refusalWords, showSecret } from './admin-common.js';
import { confirmAction } from './dialog.js';
import { $, applyPrivileges, badge, el, timeEl, showMessage } from './dom.js';
import { clearErrors, initShell, showErrors, whileBusy } from './forms.js';

initShell();
const body = $('#keys-body');
const status = $('#keys-status');
const pageError = $('#page-error');
const more = $('#keys-more');
let cursor = null;

const STATUS_TONES = {
  active: ['enabled', 'Active'],
  revoked: ['disabled', 'Revoked'],
  expired: ['parked', 'Expired'],
};

function row(key) {
  const [tone, label] = STATUS_TONES[key.status] ?? ['disabled', key.status];
  const revoke =
    key.status === 'active'
      ? el(
          'button',
          {
            type: 'button',
            class: 'button small danger',
            'aria-label': `Revoke ${key.name}`,
            'data-requires': 'api-keys:manage',
          },
          'Revoke',
        )
      : null;
  const tr = el(
    'tr',
    { 'data-key-id': key.id, 'data-status': key.status },
    el('th', { scope: 'row', 'data-label': 'Name' }, key.name),
    el('td', { class: 'mono', 'data-label': 'Key ID' }, key.id),
    el(
      'td',
      { 'data-label': 'Privileges' },
      el(
        'ul',
        { class: 'privilege-tags' },
        key.privileges.map((p) => el('li', {}, el('code', {}, p))),
      ),
    ),
    el('td', { 'data-label': 'Status' }, badge(tone, label)),
    el('td', { 'data-label': 'Expires' }, key.expiresAt ? timeEl(key.expiresAt) : 'Never'),
    el('td', { 'data-label': 'Last used' }, key.lastUsedAt ? timeEl(key.lastUsedAt) : 'Never'),
    el('td', { class: 'row-actions' }, revoke),
  );
  revoke?.addEventListener('click', () => revokeKey(key, revoke));
  applyPrivileges(tr);
  return tr;
}

async function revokeKey(key, button) {
  const ok = await confirmAction({
    title: `Revoke ${key.name}?`,
    text: 'Requests signed with this key are refused from now on, and so are the tokens it signed members in with. This cannot be undone.',
    confirmLabel: 'Revoke key',
  });
  if (!ok) return;
  try {
    await whileBusy(button, () => api('DELETE', `/v1/api-keys/${seg(key.id)}`));
    showMessage(pageError, '');
    showMessage(status, `${key.name} was revoked.`);
    await load(false);
  } catch (error) {
    if (error.status === 401) return;
    showMessage(status, '');
    showMessage(pageError, `${key.name} was not revoked. ${refusalWords(error, key.name)}`);
  }
}

async function load(append) {
  await loadIfReadable({
    privilege: 'api-keys:manage',
    unreadable: $('#keys-unreadable'),
    table: $('#keys-table'),
    what: 'API keys',
    load: async () => {
      const page = await api('GET', `/v1/api-keys${append && cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
      const rows = page.items.map(row);
      if (append) body.append(...rows);
      else if (rows.length) body.replaceChildren(...rows);
      else body.replaceChildren(el('tr', { class: 'placeholder' }, el('td', { colspan: 7 }, 'No API keys yet.')));
      cursor = page.nextCursor ?? null;
      more.hidden = !cursor;
    },
  });
}

/** The expiry field's local date and time as an ISO instant (the API wants an offset). */
function expiryOf(value) {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

const form = $('#create-form');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  const data = new FormData(form);
  const input = {
    name: String(data.get('name') || '').trim(),
    privileges: data.getAll('privileges').map(String),
    expiresAt: expiryOf(String(data.get('expiresAt') || '')),
  };
  try {
    const created = await whileBusy(form.querySelector('[type="submit"]'), () => api('POST', '/v1/api-keys', input));
    form.reset();
    $('#created-id').value = created.id;
    showSecret($('#created-secret'), created.secret, 'Secret', 'If it is lost, revoke this key and create another.');
    $('#created-card').hidden = false;
    $('#created-card').focus();
    showMessage(status, '');
    await load(false);
  } catch (error) {
    if (error.status === 401) return;
    if (error.code === 'PRIVILEGE_EXCEEDED') error.message = refusalWords(error, input.name);
    showErrors(form, error);
  }
});

$('#created-done').addEventListener('click', () => {
  // The secret leaves the page for good.
  $('#created-secret').replaceChildren();
  $('#created-id').value = '';
  $('#created-card').hidden = true;
  $('#name').focus();
});
$('#keys-load-more').addEventListener('click', () => load(true));

load(false);
