// The group's delivery log (GET /v1/deliveries): filters kept in the page's query string, newest
// first a page at a time, rows that open the inspector, and "Retry matching" behind a confirmation.
import { api } from './api.js';
import { confirmAction } from './dialog.js';
import { deliveriesCount, eventTypeOf, exportHref, inspectorHref } from './delivery-words.js';
import { $, badge, el, formatTime, showMessage, timeEl } from './dom.js';
import { initShell, whileBusy } from './forms.js';

initShell();
const form = $('#filters-form');
const fields = form.elements;
const body = $('#log-body');
const RETRYABLE = new Set(['failed', 'dead']);
const FILTERS = ['exportId', 'status', 'engagementId', 'since', 'until'];
const exportNames = new Map();
let cursor = null;
let shown = [];

/** "2026-12-06T17:45:03" (what a datetime-local input holds, in the viewer's zone) from an ISO instant. */
function localInputValue(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  date.setMinutes(date.getMinutes() - date.getTimezoneOffset());
  return date.toISOString().slice(0, 19);
}

/** The ISO 8601 instant a datetime-local value means in the viewer's zone; null when empty or invalid. */
function isoOf(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The filters in the page's address (what a link to a filtered log carries). */
function filtersFromAddress() {
  const query = new URLSearchParams(location.search);
  const filters = {};
  for (const name of FILTERS) {
    const value = query.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

function showFilters(filters) {
  fields.exportId.value = filters.exportId ?? '';
  fields.status.value = filters.status ?? '';
  fields.since.value = filters.since ? localInputValue(filters.since) : '';
  fields.until.value = filters.until ? localInputValue(filters.until) : '';
  fields.search.value = filters.engagementId ?? '';
}

function filtersFromForm() {
  const filters = {};
  if (fields.exportId.value) filters.exportId = fields.exportId.value;
  if (fields.status.value) filters.status = fields.status.value;
  const since = isoOf(fields.since.value);
  const until = isoOf(fields.until.value);
  if (since) filters.since = since;
  if (until) filters.until = until;
  const search = fields.search.value.trim();
  if (search) filters.engagementId = search;
  return filters;
}

function placeholder(text) {
  body.replaceChildren(el('tr', { class: 'placeholder' }, el('td', { colspan: 7 }, text)));
}

function exportCell(exportId) {
  const name = exportNames.get(exportId);
  return el('td', {}, el('a', { href: exportHref(exportId) }, name ?? exportId));
}

function row(d) {
  return el(
    'tr',
    { 'data-delivery-id': d.id },
    el(
      'td',
      {},
      el('a', { href: inspectorHref(d.id), class: 'row-link' }, timeEl(d.createdAt, formatTime(d.createdAt))),
    ),
    el('td', {}, badge(d.status)),
    exportCell(d.exportId),
    el('td', { class: 'mono small', title: d.engagementId }, d.postedEngagementId ?? d.engagementId),
    el('td', { class: 'mono small' }, eventTypeOf(d) ?? '—'),
    el('td', { class: 'num' }, String(d.attemptCount ?? 0)),
    el('td', { class: 'num' }, d.lastStatusCode ? String(d.lastStatusCode) : '—'),
  );
}

async function load(append) {
  const filters = filtersFromAddress();
  showMessage($('#log-error'), '');
  const query = new URLSearchParams(filters);
  if (append && cursor) query.set('cursor', cursor);
  try {
    const page = await api('GET', `/v1/deliveries?${query}`);
    shown = append ? [...shown, ...page.items] : page.items;
    const rows = page.items.map(row);
    if (append) body.append(...rows);
    else if (rows.length) body.replaceChildren(...rows);
    else placeholder(Object.keys(filters).length ? 'No delivery matches these filters.' : 'No deliveries yet.');
    cursor = page.nextCursor ?? null;
    $('#log-more').hidden = !cursor;
  } catch (error) {
    if (error.status === 401) return;
    placeholder('—');
    showMessage($('#log-error'), `The deliveries could not be loaded: ${error.message}`);
  }
}

/** Fills the Export filter (and the names the table shows) from GET /v1/exports, a few pages at most. */
async function loadExports(selected) {
  let next = null;
  for (let pages = 0; pages < 10; pages++) {
    const page = await api('GET', `/v1/exports${next ? `?cursor=${encodeURIComponent(next)}` : ''}`);
    for (const item of page.items) exportNames.set(item.id, item.name);
    next = page.nextCursor;
    if (!next) break;
  }
  const options = [...exportNames].map(([id, name]) => el('option', { value: id }, name));
  fields.exportId.replaceChildren(el('option', { value: '' }, 'All exports'), ...options);
  if (selected && !exportNames.has(selected)) fields.exportId.append(el('option', { value: selected }, selected));
  fields.exportId.value = selected ?? '';
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const search = fields.search.value.trim();
  // A webhook-id is a delivery id: go straight to it.
  if (/^dlv_[A-Za-z0-9_-]+$/.test(search)) {
    location.assign(inspectorHref(search));
    return;
  }
  const filters = filtersFromForm();
  if (filters.since && filters.until && filters.since > filters.until) {
    showMessage($('#filters-error'), '“From” must come before “Until”.');
    return;
  }
  showMessage($('#filters-error'), '');
  history.pushState(
    null,
    '',
    `${location.pathname}${Object.keys(filters).length ? `?${new URLSearchParams(filters)}` : ''}`,
  );
  showMessage($('#retry-result'), '');
  load(false);
});

window.addEventListener('popstate', () => {
  showFilters(filtersFromAddress());
  load(false);
});

$('#log-refresh').addEventListener('click', () => load(false));
$('#log-load-more').addEventListener('click', () => load(true));

/** The current filters in words, for the confirmation. */
function describe(filters) {
  const parts = [];
  if (filters.exportId) parts.push(`export “${exportNames.get(filters.exportId) ?? filters.exportId}”`);
  parts.push(filters.status ? `status ${filters.status}` : 'status failed or dead');
  if (filters.since) parts.push(`created from ${formatTime(filters.since)}`);
  if (filters.until) parts.push(`until ${formatTime(filters.until)}`);
  if (filters.engagementId) parts.push(`engagement ${filters.engagementId}`);
  return parts.join(', ');
}

$('#retry-matching').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  const filters = filtersFromAddress();
  if (filters.status && !RETRYABLE.has(filters.status)) {
    showMessage($('#retry-result'), 'Only failed and dead deliveries can be retried: choose Failed, Dead or All.');
    return;
  }
  const listed = shown.filter((d) => RETRYABLE.has(d.status)).length;
  const more = cursor ? ' More may match beyond the deliveries loaded here.' : '';
  const ok = await confirmAction({
    title: 'Retry the matching deliveries?',
    text: `Every failed or dead delivery with ${describe(filters)} is sent again. ${deliveriesCount(listed)} of them ${listed === 1 ? 'is' : 'are'} listed here.${more}`,
    confirmLabel: 'Retry deliveries',
  });
  if (!ok) return;
  try {
    const answer = await whileBusy(button, () => api('POST', '/v1/deliveries/retry', filters));
    const retried = typeof answer?.retried === 'number' ? answer.retried : 0;
    const rest = answer?.truncated
      ? ' More matched than one request retries: press Retry matching again for the rest.'
      : '';
    showMessage($('#retry-result'), `${deliveriesCount(retried)} queued again.${rest}`);
    await load(false);
  } catch (error) {
    if (error.status !== 401) showMessage($('#retry-result'), `The deliveries could not be retried: ${error.message}`);
  }
});

const initial = filtersFromAddress();
showFilters(initial);
// The export names first, so the rows show names rather than ids.
await loadExports(initial.exportId).catch((error) => {
  if (error.status !== 401) showMessage($('#page-error'), `The exports could not be listed: ${error.message}`);
});
await load(false);
