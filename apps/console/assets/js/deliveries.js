// The delivery log of one export: newest first, filtered by status, a page at a time; each row
// links to the delivery inspector and opens its attempts, failed and dead ones can be retried, and
// everything failed since a time can be replayed.
import { api, seg } from './api.js';
import { eventTypeOf, inspectorHref } from './delivery-words.js';
import { $, badge, can, el, formatTime, relativeTime, showMessage, timeEl } from './dom.js';

const RETRYABLE = new Set(['failed', 'dead']);

/** Wires the delivery section for one export; `reload()` shows the newest again. */
export function initDeliveries(exportId) {
  const body = $('#deliveries-body');
  const errorLine = $('#deliveries-error');
  const filter = $('#delivery-status');
  let cursor = null;

  function placeholder(text) {
    body.replaceChildren(el('tr', { class: 'placeholder' }, el('td', { colspan: 7 }, text)));
  }

  function statusCell(d) {
    const cell = el('td', {}, badge(d.status));
    if (d.status === 'pending' && d.nextAttemptAt) {
      cell.append(' ', el('span', { class: 'muted small' }, `next try ${relativeTime(d.nextAttemptAt)}`));
    }
    if (d.status === 'delivered' && d.deliveredAt) {
      cell.append(' ', el('span', { class: 'muted small' }, relativeTime(d.deliveredAt)));
    }
    return cell;
  }

  function row(d) {
    const details = el('button', { type: 'button', class: 'button quiet small', 'aria-expanded': 'false' }, 'Attempts');
    const actions = el('td', { class: 'row-actions' }, details);
    if (RETRYABLE.has(d.status) && can('deliveries:retry')) {
      actions.append(
        el('button', { type: 'button', class: 'button small', onclick: (e) => retry(d, e.currentTarget) }, 'Retry'),
      );
    }
    const tr = el(
      'tr',
      { 'data-delivery-id': d.id },
      el(
        'td',
        {},
        el('a', { href: inspectorHref(d.id), class: 'row-link' }, timeEl(d.createdAt, relativeTime(d.createdAt))),
      ),
      statusCell(d),
      el('td', { class: 'num' }, String(d.attemptCount ?? 0)),
      el('td', { class: 'num' }, d.lastStatusCode ? String(d.lastStatusCode) : '—'),
      d.lastError
        ? el('td', { class: 'error-text', title: d.lastError }, d.lastError)
        : el('td', { class: 'muted' }, '—'),
      el('td', { class: 'mono small' }, eventTypeOf(d) ?? '—'),
      actions,
    );
    details.addEventListener('click', () => toggleAttempts(d, tr, details));
    return tr;
  }

  async function toggleAttempts(d, tr, button) {
    const open = tr.nextElementSibling?.classList.contains('attempts-row');
    if (open) {
      tr.nextElementSibling.remove();
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    button.setAttribute('aria-expanded', 'true');
    const cell = el('td', { colspan: 7 }, 'Loading attempts…');
    tr.after(el('tr', { class: 'attempts-row' }, cell));
    try {
      const full = await api('GET', `/v1/deliveries/${seg(d.id)}`);
      const attempts = full.attempts ?? [];
      cell.replaceChildren(
        attempts.length
          ? el(
              'ol',
              { class: 'attempts' },
              attempts.map((a) =>
                el(
                  'li',
                  {},
                  el('span', { class: 'mono' }, `#${a.attempt}`),
                  ` ${formatTime(a.startedAt)} · `,
                  a.statusCode ? `HTTP ${a.statusCode}` : 'no response',
                  ` · ${a.durationMs} ms`,
                  a.error ? el('span', { class: 'error-text' }, ` · ${a.error}`) : null,
                ),
              ),
            )
          : el('span', { class: 'muted' }, 'No attempt yet.'),
        el('p', { class: 'muted small mono' }, `webhook-id ${d.id}`),
      );
    } catch (error) {
      cell.textContent = `The attempts could not be loaded: ${error.message}`;
    }
  }

  async function retry(d, button) {
    button.disabled = true;
    try {
      await api('POST', `/v1/deliveries/${seg(d.id)}/retry`);
      await load(false);
    } catch (error) {
      button.disabled = false;
      if (error.status !== 401) showMessage(errorLine, `The delivery could not be retried: ${error.message}`);
    }
  }

  async function load(append) {
    showMessage(errorLine, '');
    const params = new URLSearchParams();
    if (filter.value) params.set('status', filter.value);
    if (append && cursor) params.set('cursor', cursor);
    const query = params.toString();
    try {
      const page = await api('GET', `/v1/exports/${seg(exportId)}/deliveries${query ? `?${query}` : ''}`);
      const rows = page.items.map(row);
      if (append) body.append(...rows);
      else if (rows.length) body.replaceChildren(...rows);
      else
        placeholder(
          filter.value
            ? `No ${filter.value} deliveries.`
            : 'No deliveries yet. They appear here as engagements come in.',
        );
      cursor = page.nextCursor ?? null;
      $('#deliveries-more').hidden = !cursor;
    } catch (error) {
      if (error.status === 401) return;
      placeholder('—');
      showMessage(errorLine, `The deliveries could not be loaded: ${error.message}`);
    }
  }

  filter.addEventListener('change', () => load(false));
  $('#deliveries-refresh').addEventListener('click', () => load(false));
  $('#deliveries-load-more').addEventListener('click', () => load(true));

  const replayForm = $('#replay-form');
  const yesterday = new Date(Date.now() - 86_400_000);
  yesterday.setMinutes(yesterday.getMinutes() - yesterday.getTimezoneOffset());
  replayForm.elements.since.value = yesterday.toISOString().slice(0, 16);
  replayForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const since = new Date(replayForm.elements.since.value);
    if (Number.isNaN(since.getTime())) return showMessage($('#replay-result'), 'Choose a date and time.');
    const button = replayForm.querySelector('[type="submit"]');
    button.disabled = true;
    try {
      const answer = await api('POST', `/v1/exports/${seg(exportId)}/deliveries/replay`, {
        since: since.toISOString(),
      });
      const count = answer?.replayed ?? answer?.count ?? answer?.items?.length;
      $('#replay-result').textContent =
        typeof count === 'number'
          ? `${count} ${count === 1 ? 'delivery' : 'deliveries'} queued again.`
          : 'Queued again.';
      await load(false);
    } catch (error) {
      if (error.status !== 401) $('#replay-result').textContent = error.message;
    } finally {
      button.disabled = false;
    }
  });

  load(false);
  return { reload: () => load(false) };
}
