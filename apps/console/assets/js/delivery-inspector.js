// The delivery inspector: GET /v1/deliveries/:id (docs/api/delivery-inspector.md) shown as a
// summary, the request as sent (the API masks the token), and each attempt with the CRM's answer in
// a <details>; Retry (failed or dead) and Resend (a new delivery, opened next). While the delivery
// is on its way the page reads it again every few seconds.
import { api, seg } from './api.js';
import { confirmAction } from './dialog.js';
import { eventTypeOf, exportHref, inspectorHref, PARKED_ADVICE, STATUS_SENTENCES } from './delivery-words.js';
import { $, badge, can, el, relativeTime, showMessage, timeEl } from './dom.js';
import { initShell, whileBusy } from './forms.js';

initShell();
const deliveryId = document.body.dataset.deliveryId;
const path = `/v1/deliveries/${seg(deliveryId)}`;
const RETRYABLE = new Set(['failed', 'dead']);
const ON_ITS_WAY = new Set(['pending', 'delivering']);
const POLL_MS = 2000;
const POLL_FOR_MS = 5 * 60_000;
const startedAt = Date.now();
let exportName = null;
let current = null;

/** replaceChildren without the absent parts (it would write a null as the text "null"). */
const fillWith = (node, ...children) =>
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
const fact = (label, ...value) => el('div', {}, el('dt', {}, label), el('dd', {}, ...value));
const mono = (text) => el('span', { class: 'mono' }, text);

/** JSON pretty-printed when it parses (a body cut at 4 KiB does not), else the text as it is. */
function pretty(text) {
  if (typeof text !== 'string') return text === null || text === undefined ? '' : JSON.stringify(text, null, 2);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function headerTable(headers, caption) {
  const rows = Object.entries(headers ?? {}).map(([name, value]) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row', class: 'mono' }, name),
      el('td', { class: 'mono' }, Array.isArray(value) ? value.join(', ') : String(value)),
    ),
  );
  if (!rows.length) return el('p', { class: 'muted small' }, 'No headers.');
  return el('table', { class: 'headers' }, el('caption', { class: 'visually-hidden' }, caption), el('tbody', {}, rows));
}

/** The engagement's own id, as the contact center posted it (the body's `data.id`). */
function postedEngagementId(d) {
  try {
    const id = JSON.parse(d.request?.body ?? 'null')?.data?.id;
    return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
  } catch {
    return null;
  }
}

function renderFacts(d) {
  const eventType = eventTypeOf(d);
  const posted = postedEngagementId(d);
  fillWith(
    $('#facts'),
    fact('Status', badge(d.status), ' ', el('span', { class: 'muted small' }, STATUS_SENTENCES[d.status] ?? '')),
    fact(
      'Export',
      el('a', { href: exportHref(d.exportId), id: 'export-link' }, d.exportName ?? exportName ?? d.exportId),
    ),
    fact('Engagement id', mono(d.engagementId)),
    posted && posted !== d.engagementId ? fact('Engagement id as posted', mono(posted)) : null,
    fact('Webhook-id', mono(d.id)),
    fact('Event type', eventType ? mono(eventType) : '—'),
    fact('Created', timeEl(d.createdAt)),
    fact('Delivered', timeEl(d.deliveredAt)),
    d.nextAttemptAt
      ? fact(
          'Next attempt',
          timeEl(d.nextAttemptAt),
          ' ',
          el('span', { class: 'muted small' }, `(${relativeTime(d.nextAttemptAt)})`),
        )
      : null,
    fact('Attempts', String(d.attemptCount ?? 0)),
    fact('Last response', d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : '—'),
    d.lastError ? fact('Last error', el('span', { class: 'error-text wrap' }, d.lastError)) : null,
    d.requestId ? fact('Request id', mono(d.requestId)) : null,
  );
}

function renderGuidance(d) {
  const nextStep = $('#next-step');
  if (d.status === 'parked') {
    fillWith(
      nextStep,
      el('p', { class: 'banner-title' }, 'This delivery is parked'),
      d.lastError ? el('p', {}, d.lastError) : null,
      el('p', {}, typeof d.nextStep === 'string' && d.nextStep ? d.nextStep : PARKED_ADVICE),
      el(
        'p',
        {},
        el('a', { href: exportHref(d.exportId, 'oauth'), id: 'oauth-link' }, 'Open the export’s OAuth settings'),
      ),
    );
    nextStep.hidden = false;
  } else {
    nextStep.hidden = true;
  }
  const waiting = $('#waiting-for');
  if (d.waitingFor) {
    waiting.replaceChildren(
      el(
        'p',
        {},
        'The export sends in order: this delivery waits until an earlier one is delivered or dead: ',
        el('a', { href: inspectorHref(d.waitingFor), class: 'mono', id: 'waiting-for-link' }, d.waitingFor),
        '.',
      ),
    );
    waiting.hidden = false;
  } else {
    waiting.hidden = true;
  }
}

function renderRequest(request) {
  const parts = $('#request-parts');
  const sent = request && (request.url || request.headers || request.body);
  $('#request-empty').hidden = Boolean(sent);
  if (!sent) return parts.replaceChildren();
  parts.replaceChildren(
    el('h3', {}, 'URL'),
    el('p', { class: 'mono break', id: 'request-url' }, request.url ?? '—'),
    el('h3', {}, 'Headers'),
    headerTable(request.headers, 'Request headers'),
    el('h3', {}, 'Body'),
    el('pre', { class: 'code', id: 'request-body', tabindex: '0' }, pretty(request.body)),
  );
}

function attemptSummary(a) {
  return [
    el('span', { class: 'mono' }, `#${a.attempt}`),
    ' ',
    timeEl(a.startedAt),
    ' · ',
    a.statusCode ? `HTTP ${a.statusCode}` : 'no response',
    ` · ${a.durationMs ?? '—'} ms`,
  ];
}

function renderAttempts(attempts) {
  const list = $('#attempt-list');
  const open = new Set([...list.querySelectorAll('details[open]')].map((d) => d.dataset.attempt));
  $('#attempts-empty').hidden = attempts.length > 0;
  list.replaceChildren(
    ...attempts.map((a, i) => {
      const isLast = i === attempts.length - 1;
      const details = el(
        'details',
        { 'data-attempt': a.attempt, open: open.has(String(a.attempt)) || (open.size === 0 && isLast) },
        el('summary', {}, ...attemptSummary(a)),
        a.error ? el('p', { class: 'error-text wrap' }, a.error) : null,
        el('h3', {}, 'Response headers'),
        a.responseHeaders
          ? headerTable(a.responseHeaders, `Response headers of attempt ${a.attempt}`)
          : el('p', { class: 'muted small' }, 'No answer.'),
        el('h3', {}, 'Response body (first 4 KiB)'),
        a.responseBody
          ? el('pre', { class: 'code response-body', tabindex: '0' }, pretty(a.responseBody))
          : el('p', { class: 'muted small' }, 'Empty.'),
      );
      return el('li', { class: `attempt ${a.statusCode && a.statusCode < 300 ? 'ok' : 'not-ok'}` }, details);
    }),
  );
}

function render(d) {
  current = d;
  const eventType = eventTypeOf(d);
  document.title = `Delivery ${d.id} · Export Connector`;
  $('#delivery-title').textContent = eventType ? `Delivery of ${eventType}` : 'Delivery';
  $('#delivery-badges').replaceChildren(
    badge(d.status),
    el('span', { class: 'muted small' }, 'Created ', timeEl(d.createdAt)),
  );
  renderFacts(d);
  renderGuidance(d);
  renderRequest(d.request);
  renderAttempts(d.attempts ?? []);
  const retry = $('#retry-delivery');
  retry.disabled = !can('deliveries:retry') || !RETRYABLE.has(d.status);
  retry.title =
    can('deliveries:retry') && !RETRYABLE.has(d.status) ? 'Only a failed or dead delivery can be retried' : retry.title;
  $('#resend-delivery').disabled = !can('deliveries:retry');
}

let timer = null;
async function load() {
  clearTimeout(timer);
  try {
    render(await api('GET', path));
    showMessage($('#page-error'), '');
  } catch (error) {
    if (error.status === 401) return;
    if (error.status === 404) {
      $('#delivery-title').textContent = 'Delivery not found';
      showMessage($('#page-error'), 'This delivery does not exist in your group (retention may have removed it).');
      for (const part of document.querySelectorAll('.card, .page-head .actions')) part.hidden = true;
      return;
    }
    showMessage($('#page-error'), `The delivery could not be loaded: ${error.message}`);
  }
  if (current && ON_ITS_WAY.has(current.status) && Date.now() - startedAt < POLL_FOR_MS) {
    timer = setTimeout(load, POLL_MS);
  }
}

$('#retry-delivery').addEventListener('click', async (event) => {
  try {
    await whileBusy(event.currentTarget, () => api('POST', `${path}/retry`));
    showMessage($('#action-result'), 'Queued to be sent again with the same webhook-id.');
    await load();
  } catch (error) {
    if (error.status !== 401) showMessage($('#page-error'), `The delivery could not be retried: ${error.message}`);
  }
});

$('#resend-delivery').addEventListener('click', async (event) => {
  const ok = await confirmAction({
    title: 'Resend this engagement?',
    text: 'A new delivery of the same engagement goes to the same export, with its own webhook-id (a receiver that deduplicates on webhook-id takes it as new). This one stays as it is.',
    confirmLabel: 'Resend',
  });
  if (!ok) return;
  try {
    const answer = await whileBusy(event.currentTarget, () => api('POST', `${path}/resend`));
    location.assign(inspectorHref(answer.deliveryId));
  } catch (error) {
    if (error.status !== 401) showMessage($('#page-error'), `The delivery could not be resent: ${error.message}`);
  }
});

await load();
// The export's name for the summary (a member without exports:read keeps the id).
if (current && !current.exportName) {
  api('GET', `/v1/exports/${seg(current.exportId)}`)
    .then((item) => {
      exportName = item.name;
      $('#export-link').textContent = item.name;
    })
    .catch(() => undefined);
}
