import { DELIVERY_STATUSES as STATUSES } from '../../core/deliveries/state.ts';
import { html } from '../../http/views/html.ts';

/**
 * The export's recent deliveries: status filter, table (each row opens the delivery inspector) with
 * Retry, a link to the group-wide delivery log filtered by this export, and "Replay failed since…".
 */
export function deliveriesSection(exportId: string) {
  return html`<section class="card flush jump-target" id="deliveries" aria-labelledby="deliveries-title">
  <div class="card-head padded">
    <h2 id="deliveries-title">Recent deliveries</h2>
    <div class="toolbar">
      <label for="delivery-status" class="inline-label">Status</label>
      <select id="delivery-status">
        <option value="">All</option>
        ${STATUSES.map((s) => html`<option value="${s}">${s[0]?.toUpperCase()}${s.slice(1)}</option>`)}
      </select>
      <button type="button" class="button small" id="deliveries-refresh">Refresh</button>
      <a class="button small quiet" id="deliveries-log-link" href="/console/deliveries?exportId=${encodeURIComponent(exportId)}">Open in the delivery log</a>
    </div>
  </div>
  <p class="banner error inset" id="deliveries-error" role="alert" hidden></p>
  <div class="table-scroll" tabindex="0" role="region" aria-label="Recent deliveries table">
  <table class="table" id="deliveries-table">
    <thead>
      <tr><th scope="col">Created</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last response</th><th scope="col">Last error</th><th scope="col">Event</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
    </thead>
    <tbody id="deliveries-body"><tr class="placeholder"><td colspan="7">Loading deliveries…</td></tr></tbody>
  </table>
  </div>
  <div class="table-foot" id="deliveries-more" hidden><button type="button" class="button" id="deliveries-load-more">Show older</button></div>
  <form class="replay" id="replay-form" data-requires="deliveries:retry" novalidate>
    <div class="field inline">
      <label for="replay-since">Replay failed since</label>
      <input id="replay-since" name="since" type="datetime-local" required>
    </div>
    <button class="button" type="submit">Replay failed</button>
    <span class="muted small" id="replay-result" role="status"></span>
  </form>
</section>`;
}
