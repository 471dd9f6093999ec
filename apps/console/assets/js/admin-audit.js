// Audit log: GET /v1/audit?action=&outcome=&actorId=&since=&until=&cursor= (docs/api/audit.md), newest first, paged by
// the API's cursor. The filters live in the page's query string, so a filtered view can be
// reloaded or shared.
import { api } from './api.js';
import { $, badge, el, showMessage } from './dom.js';
import { clearErrors, initShell, showErrors, whileBusy } from './forms.js';
import { cell, markReady, showLoadError, timeCell } from './admin-int-common.js';

initShell();
const form = $('#audit-filters');
const body = $('#audit-body');
const more = $('#audit-more');
const empty = $('#audit-empty');
const memberNames = JSON.parse(document.body.dataset.memberNames || '{}');
const signedIn = $('.account-user')?.textContent ?? '';
let filters = {};
let cursor = null;

const ACTOR_WORDS = { user: 'Member', api_key: 'API key', system: 'System', anonymous: 'Anonymous' };

function actorOf(row) {
  if (row.actorType === 'user' && row.actorId && memberNames[row.actorId]) {
    const name = memberNames[row.actorId];
    return el('span', { title: row.actorId }, name === signedIn ? `${name} (you)` : name);
  }
  const kind = ACTOR_WORDS[row.actorType] ?? row.actorType;
  if (!row.actorId) return el('span', { class: 'muted' }, kind);
  return el('span', {}, `${kind} `, el('span', { class: 'mono admin-int-id' }, row.actorId));
}

function targetOf(row) {
  if (!row.targetType && !row.targetId) return el('span', { class: 'muted' }, '—');
  return el(
    'span',
    {},
    row.targetType ? `${row.targetType} ` : '',
    el('span', { class: 'mono admin-int-id' }, row.targetId ?? ''),
  );
}

function outcomeOf(row) {
  const ok = row.outcome === 'success';
  return el(
    'span',
    { class: 'admin-int-outcome' },
    badge(ok ? 'delivered' : 'failed', ok ? 'Success' : row.outcome === 'refused' ? 'Refused' : row.outcome),
    row.reason ? el('span', { class: 'mono small' }, row.reason) : null,
  );
}

function auditRow(row) {
  return el(
    'tr',
    { 'data-audit-id': row.id, 'data-action': row.action },
    cell('td', 'Time', { class: 'nowrap' }, timeCell(row.createdAt)),
    cell('td', 'Actor', {}, actorOf(row)),
    cell('td', 'Action', { class: 'nowrap' }, el('code', {}, row.action)),
    cell('td', 'Target', {}, targetOf(row)),
    cell('td', 'Outcome', {}, outcomeOf(row)),
    cell('td', 'IP', { class: 'nowrap' }, el('span', { class: 'mono' }, row.ip ?? '—')),
  );
}

function queryOf(extra) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...extra })) if (value) query.set(key, value);
  const text = query.toString();
  return text ? `?${text}` : '';
}

async function load(append) {
  showMessage(empty, '');
  try {
    const page = await api('GET', `/v1/audit${queryOf({ cursor: append ? cursor : null })}`);
    const rows = page.items.map(auditRow);
    if (append) body.append(...rows);
    else body.replaceChildren(...rows);
    cursor = page.nextCursor ?? null;
    more.hidden = !cursor;
    const none = body.children.length === 0;
    $('#audit-table').hidden = none;
    showMessage(
      empty,
      none ? (Object.values(filters).some(Boolean) ? 'No events match these filters.' : 'No events yet.') : '',
    );
    return true;
  } catch (error) {
    if (error.status === 400) {
      showErrors(form, error);
      return false;
    }
    body.replaceChildren();
    $('#audit-table').hidden = true;
    form.hidden = error.status === 403;
    showLoadError($('#page-error'), error, 'the audit log');
    return false;
  }
}

// datetime-local holds the viewer's local time without a zone; the API takes ISO 8601 instants.
const toIso = (local) => (local ? new Date(local).toISOString() : '');
const pad = (n) => String(n).padStart(2, '0');
function toLocal(iso) {
  const d = iso ? new Date(iso) : null;
  if (!d || Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function readFilters() {
  return {
    action: form.elements.action.value.trim(),
    outcome: form.elements.outcome.value,
    actorId: form.elements.actorId.value,
    since: toIso(form.elements.since.value),
    until: toIso(form.elements.until.value),
  };
}

function fillFilters() {
  const query = new URLSearchParams(location.search);
  form.elements.action.value = query.get('action') ?? '';
  form.elements.outcome.value = ['success', 'refused'].includes(query.get('outcome')) ? query.get('outcome') : '';
  form.elements.actorId.value = query.get('actorId') ?? '';
  form.elements.since.value = toLocal(query.get('since'));
  form.elements.until.value = toLocal(query.get('until'));
  filters = readFilters();
}

async function apply() {
  clearErrors(form);
  filters = readFilters();
  cursor = null;
  history.replaceState(null, '', `${location.pathname}${queryOf({})}`);
  await whileBusy(form.querySelector('[type="submit"]'), () => load(false));
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  apply();
});
form.addEventListener('reset', (event) => {
  event.preventDefault();
  for (const name of ['action', 'outcome', 'actorId', 'since', 'until']) form.elements[name].value = '';
  apply();
});
$('#audit-load-more').addEventListener('click', (event) => whileBusy(event.currentTarget, () => load(true)));

fillFilters();
markReady(load(false));
