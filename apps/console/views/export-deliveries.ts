import { DELIVERY_STATUSES as STATUSES } from '../../core/deliveries/state.ts';
import { html } from '../../http/views/html.ts';

/** The export's recent deliveries: status filter, table with Retry, and "Replay failed since…". */
export function deliveriesSection() {
  return html`<section class="card flush" aria-labelledby="deliveries-title">
  <div class="card-head padded">
    <h2 id="deliveries-title">Recent deliveries</h2>
    <div class="toolbar">
      <label for="delivery-status" class="inline-label">Status</label>
      <select id="delivery-status">
        <option value="">All</option>
        ${STATUSES.map((s) => html`<option value="${s}">${s[0]?.toUpperCase()}${s.slice(1)}</option>`)}
      </select>
      <button type="button" class="button small" id="deliveries-refresh">Refresh</button>
    </div>
  </div>
  <p class="banner error inset" id="deliveries-error" role="alert" hidden></p>
  <table class="table" id="deliveries-table">
    <thead>
      <tr><th scope="col">Created</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last response</th><th scope="col">Last error</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
    </thead>
    <tbody id="deliveries-body"><tr class="placeholder"><td colspan="6">Loading deliveries…</td></tr></tbody>
  </table>
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
