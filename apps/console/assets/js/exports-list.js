// The exports list: GET /v1/exports page by page (each export carries its OAuth status); each
// row then fills its last delivery (a link to its inspector) from the first item of its delivery log.
import { api, seg } from './api.js';
import { inspectorHref } from './delivery-words.js';
import { $, badge, el, relativeTime, showMessage, timeEl, webhookHost } from './dom.js';
import { initShell } from './forms.js';

initShell();
const body = $('#exports-body');
const more = $('#exports-more');
let cursor = null;

function row(item) {
  const oauthCell = el('td', { title: item.oauth?.message ?? '' }, badge(item.oauth?.status ?? 'not_configured'));
  const deliveryCell = el('td', {}, el('span', { class: 'muted' }, '…'));
  const tr = el(
    'tr',
    { 'data-export-id': item.id },
    el('th', { scope: 'row' }, el('a', { href: `/console/exports/${seg(item.id)}`, class: 'row-link' }, item.name)),
    el('td', { class: item.webhookUrl.startsWith('{') ? 'muted' : 'mono' }, webhookHost(item.webhookUrl)),
    el('td', {}, item.enabled ? badge('enabled', 'Enabled') : badge('disabled', 'Disabled')),
    oauthCell,
    deliveryCell,
  );
  fillLastDelivery(item.id, deliveryCell);
  return tr;
}

async function fillLastDelivery(id, cell) {
  try {
    const log = await api('GET', `/v1/exports/${seg(id)}/deliveries?limit=1`);
    const last = log?.items?.[0];
    if (!last) return cell.replaceChildren(el('span', { class: 'muted' }, 'None yet'));
    cell.replaceChildren(
      el('a', { href: inspectorHref(last.id), class: 'row-link' }, badge(last.status)),
      ' ',
      el('span', { class: 'muted small' }, timeEl(last.createdAt, relativeTime(last.createdAt))),
    );
  } catch {
    cell.replaceChildren(el('span', { class: 'muted' }, '—'));
  }
}

async function load(append) {
  try {
    const page = await api('GET', `/v1/exports${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
    const rows = page.items.map(row);
    if (append) body.append(...rows);
    else body.replaceChildren(...rows);
    cursor = page.nextCursor ?? null;
    more.hidden = !cursor;
    const empty = !append && page.items.length === 0;
    $('#exports-empty').hidden = !empty;
    $('#exports-table').hidden = empty;
  } catch (error) {
    if (error.status === 401) return;
    body.replaceChildren();
    showMessage($('#page-error'), `The exports could not be loaded: ${error.message}`);
  }
}

$('#exports-load-more').addEventListener('click', () => load(true));
load(false);
