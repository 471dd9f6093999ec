// Partners: GET /v1/partners, POST to add one (its secret is in that answer only, shown here
// once) and DELETE to revoke one, which signs all its users out (docs/api/keys-partners-sso.md).
import { api, seg } from './api.js';
import { loadIfReadable, refusalWords, showSecret } from './admin-common.js';
import { confirmAction } from './dialog.js';
import { $, applyPrivileges, badge, el, timeEl, showMessage } from './dom.js';
import { clearErrors, initShell, showErrors, whileBusy } from './forms.js';

initShell();
const body = $('#partners-body');
const status = $('#partners-status');
const pageError = $('#page-error');
const more = $('#partners-more');
let cursor = null;

function row(partner) {
  const revoke =
    partner.status === 'active'
      ? el(
          'button',
          {
            type: 'button',
            class: 'button small danger',
            'aria-label': `Revoke ${partner.name}`,
            'data-requires': 'members:manage',
          },
          'Revoke',
        )
      : null;
  const tr = el(
    'tr',
    { 'data-partner-id': partner.id, 'data-status': partner.status },
    el('th', { scope: 'row', 'data-label': 'Name' }, partner.name),
    el('td', { class: 'mono', 'data-label': 'Partner ID' }, partner.id),
    el('td', { 'data-label': 'Users’ role' }, partner.role),
    el(
      'td',
      { 'data-label': 'Status' },
      partner.status === 'active' ? badge('enabled', 'Active') : badge('disabled', 'Revoked'),
    ),
    el('td', { 'data-label': 'Added' }, timeEl(partner.createdAt)),
    el('td', { class: 'row-actions' }, revoke),
  );
  revoke?.addEventListener('click', () => revokePartner(partner, revoke));
  applyPrivileges(tr);
  return tr;
}

async function revokePartner(partner, button) {
  const ok = await confirmAction({
    title: `Revoke ${partner.name}?`,
    text: 'Its login keys stop working and every user it signed in is signed out at once. This cannot be undone.',
    confirmLabel: 'Revoke partner',
  });
  if (!ok) return;
  try {
    await whileBusy(button, () => api('DELETE', `/v1/partners/${seg(partner.id)}`));
    showMessage(pageError, '');
    showMessage(status, `${partner.name} was revoked and its users signed out.`);
    await load(false);
  } catch (error) {
    if (error.status === 401) return;
    showMessage(status, '');
    showMessage(pageError, `${partner.name} was not revoked. ${refusalWords(error, partner.name)}`);
  }
}

async function load(append) {
  await loadIfReadable({
    privilege: 'members:manage',
    unreadable: $('#partners-unreadable'),
    table: $('#partners-table'),
    what: 'partners',
    load: async () => {
      const page = await api('GET', `/v1/partners${append && cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
      const rows = page.items.map(row);
      if (append) body.append(...rows);
      else if (rows.length) body.replaceChildren(...rows);
      else body.replaceChildren(el('tr', { class: 'placeholder' }, el('td', { colspan: 6 }, 'No partners yet.')));
      cursor = page.nextCursor ?? null;
      more.hidden = !cursor;
    },
  });
}

const form = $('#create-form');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(form);
  const data = new FormData(form);
  const input = { name: String(data.get('name') || '').trim(), role: String(data.get('role')) };
  try {
    const created = await whileBusy(form.querySelector('[type="submit"]'), () => api('POST', '/v1/partners', input));
    form.reset();
    $('#created-id').value = created.id;
    showSecret(
      $('#created-secret'),
      created.secret,
      'Partner secret',
      'If it is lost, revoke the partner and add it again.',
    );
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
  $('#created-secret').replaceChildren();
  $('#created-id').value = '';
  $('#created-card').hidden = true;
  $('#name').focus();
});
$('#partners-load-more').addEventListener('click', () => load(true));

load(false);
