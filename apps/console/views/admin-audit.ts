import { html } from '../../http/views/html.ts';
import { type AdminIntegrationViewer, adminIntegrationPage, readOnlyReason } from './admin-int-page.ts';

/** Actions and prefixes offered as suggestions in the Action filter (docs/api/audit.md); any other may be typed. */
const ACTION_SUGGESTIONS = [
  'auth.',
  'auth.token.issue',
  'auth.token.use',
  'auth.token.revoke',
  'auth.password.change',
  'api_key.',
  'partner.',
  'sso_provider.',
  'group.',
  'group.member.',
  'group.notifications.',
  'group.origins.replace',
  'export.',
  'delivery.',
  'app.',
  'app.create',
  'app.authorize',
  'app.withdraw',
  'app.delete',
];

/**
 * Audit log (docs/api/audit.md): the group's rows newest first, to the second, filtered by the
 * filters `GET /v1/audit` supports (action or action prefix, outcome, actor, a time window in the
 * viewer's time zone), paged by its cursor.
 */
export function auditPage(
  viewer: AdminIntegrationViewer,
  /** Member user ids to usernames, so the Actor column names people (empty when the member may not read the log). */
  memberNames: Record<string, string>,
): string {
  return adminIntegrationPage({
    key: 'audit',
    title: 'Audit log',
    lede: 'Who did what in your group, and what was refused: sign-ins, credentials and changes to settings.',
    script: 'admin-audit.js',
    viewer,
    readOnlyReason: readOnlyReason(viewer, 'audit:read', 'read the audit log'),
    bodyData: html`data-member-names="${JSON.stringify(memberNames)}"`,
    body: html`<section class="card flush" aria-labelledby="audit-title" id="audit-card">
  <div class="card-head padded">
    <h2 id="audit-title">Events</h2>
  </div>
  <form class="admin-int-filters" id="audit-filters" role="search" aria-label="Filter the audit log" novalidate>
    <div class="field">
      <label for="filter-action">Action</label>
      <input id="filter-action" name="action" list="audit-actions" autocomplete="off" spellcheck="false" placeholder="app. or app.create" aria-describedby="filter-action-hint">
      <datalist id="audit-actions">
        ${ACTION_SUGGESTIONS.map((a) => html`<option value="${a}"></option>`)}
      </datalist>
      <p class="hint" id="filter-action-hint">Exact, or a prefix ending in a dot.</p>
      <p class="field-error" id="action-error" hidden></p>
    </div>
    <div class="field">
      <label for="filter-outcome">Outcome</label>
      <select id="filter-outcome" name="outcome">
        <option value="">All</option>
        <option value="success">Success</option>
        <option value="refused">Refused</option>
      </select>
      <p class="field-error" id="outcome-error" hidden></p>
    </div>
    <div class="field">
      <label for="filter-actor">Actor</label>
      <select id="filter-actor" name="actorId">
        <option value="">Anyone</option>
        ${Object.entries(memberNames)
          .sort(([, a], [, b]) => a.localeCompare(b))
          .map(([id, name]) => html`<option value="${id}">${name}</option>`)}
      </select>
      <p class="field-error" id="actorId-error" hidden></p>
    </div>
    <div class="field">
      <label for="filter-since">From</label>
      <input id="filter-since" name="since" type="datetime-local" step="1">
      <p class="field-error" id="since-error" hidden></p>
    </div>
    <div class="field">
      <label for="filter-until">Until</label>
      <input id="filter-until" name="until" type="datetime-local" step="1">
      <p class="field-error" id="until-error" hidden></p>
    </div>
    <div class="actions">
      <button class="button primary" type="submit">Apply filters</button>
      <button class="button quiet" type="reset">Clear</button>
    </div>
    <p class="form-error" id="filters-error" role="alert" hidden></p>
  </form>
  <table class="table stack" id="audit-table">
    <caption class="visually-hidden" id="audit-caption">Audit events, newest first</caption>
    <thead>
      <tr><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Outcome</th><th scope="col">IP</th></tr>
    </thead>
    <tbody id="audit-body"><tr class="placeholder"><td colspan="6">Loading the audit log…</td></tr></tbody>
  </table>
  <p class="empty-line" id="audit-empty" role="status" hidden></p>
  <div class="table-foot" id="audit-more" hidden><button type="button" class="button" id="audit-load-more">Show older</button></div>
</section>`,
  });
}
