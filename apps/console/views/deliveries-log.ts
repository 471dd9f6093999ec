import { DELIVERY_STATUSES as STATUSES } from '../../core/deliveries/state.ts';
import { html } from '../../http/views/html.ts';
import { layout, type ViewSession } from '../../http/views/layout.ts';
import { confirmDialog } from './confirm-dialog.ts';
import { readOnlyNote } from './delivery-notes.ts';

/**
 * The group's delivery log across exports (GET /v1/deliveries): filters by export, status, time and
 * engagement or delivery id, kept in the page's query string so a filtered log can be linked to;
 * each row opens the delivery inspector; "Retry matching" sends the failed and dead ones again.
 */
export function deliveryLogPage(session: ViewSession): string {
  return layout({
    title: 'Deliveries',
    script: 'delivery-log.js',
    session,
    section: 'deliveries',
    body: html`<div class="page-head">
  <div>
    <h1>Deliveries</h1>
    <p class="lede">Every push to your group's exports, newest first. Open one to see the request as sent and the CRM's answers.</p>
  </div>
</div>
${readOnlyNote(session, 'deliveries:retry', 'You can look at deliveries; retrying them needs the manager or admin role, so Retry matching is disabled.')}
<p class="banner error" id="page-error" role="alert" hidden></p>
<section class="card filters-card" aria-labelledby="filters-title">
  <h2 id="filters-title" class="visually-hidden">Filters</h2>
  <form id="filters-form" class="filters" novalidate>
    <div class="field">
      <label for="filter-export">Export</label>
      <select id="filter-export" name="exportId"><option value="">All exports</option></select>
    </div>
    <div class="field">
      <label for="filter-status">Status</label>
      <select id="filter-status" name="status">
        <option value="">All</option>
        ${STATUSES.map((s) => html`<option value="${s}">${s[0]?.toUpperCase()}${s.slice(1)}</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="filter-since">From</label>
      <input id="filter-since" name="since" type="datetime-local" step="1">
    </div>
    <div class="field">
      <label for="filter-until">Until</label>
      <input id="filter-until" name="until" type="datetime-local" step="1">
    </div>
    <div class="field search-field">
      <label for="filter-search">Engagement id or webhook-id</label>
      <input id="filter-search" name="search" type="search" spellcheck="false" autocomplete="off" aria-describedby="filter-search-hint">
      <p class="hint" id="filter-search-hint">A webhook-id (<code>dlv_…</code>) opens that delivery; anything else is looked up as an engagement id.</p>
    </div>
    <p class="form-error" id="filters-error" role="alert" hidden></p>
    <div class="actions filter-actions">
      <button class="button primary" type="submit">Apply filters</button>
      <a class="button quiet" href="/console/deliveries" id="clear-filters">Clear filters</a>
    </div>
  </form>
</section>
<section class="card flush" aria-labelledby="log-title">
  <div class="card-head padded">
    <h2 id="log-title">Matching deliveries</h2>
    <div class="toolbar">
      <button type="button" class="button small" id="log-refresh">Refresh</button>
      <button type="button" class="button small" id="retry-matching" data-requires="deliveries:retry">Retry matching</button>
    </div>
  </div>
  <p class="banner error inset" id="log-error" role="alert" hidden></p>
  <p class="notice inset" id="retry-result" role="status" hidden></p>
  <div class="table-scroll" tabindex="0" role="region" aria-label="Deliveries table">
  <table class="table" id="log-table">
    <thead>
      <tr><th scope="col">Created</th><th scope="col">Status</th><th scope="col">Export</th><th scope="col">Engagement</th><th scope="col">Event</th><th scope="col">Attempts</th><th scope="col">Last response</th></tr>
    </thead>
    <tbody id="log-body"><tr class="placeholder"><td colspan="7">Loading deliveries…</td></tr></tbody>
  </table>
  </div>
  <div class="table-foot" id="log-more" hidden><button type="button" class="button" id="log-load-more">Show older</button></div>
</section>
${confirmDialog('primary')}`,
  });
}
