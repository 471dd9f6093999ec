import type { ExportNeedingAttention } from '../../core/notifications/attention.ts';
import type { ConditionKind } from '../../core/notifications/kinds.ts';
import { html, type SafeHtml } from '../../http/views/html.ts';
import { layout, type ViewSession } from '../../http/views/layout.ts';

/**
 * The group's exports: first those that need attention (an active condition, docs/notifications.md),
 * rendered here, then a table the browser fills from GET /v1/exports.
 */
export function exportsListPage(session: ViewSession, attention: readonly ExportNeedingAttention[] = []): string {
  return layout({
    title: 'Exports',
    script: 'exports-list.js',
    session,
    section: 'exports',
    body: html`<div class="page-head">
  <div>
    <h1>Exports</h1>
    <p class="lede">Each export pushes your group's completed engagements to one CRM webhook.</p>
  </div>
  <a class="button primary" href="/console/exports/new" data-requires="exports:write">New export</a>
</div>
<p class="banner error" id="page-error" role="alert" hidden></p>
${attentionSection(attention)}
<section class="card flush" aria-labelledby="exports-title">
  <h2 class="visually-hidden" id="exports-title">All exports</h2>
  <table class="table" id="exports-table">
    <thead>
      <tr><th scope="col">Name</th><th scope="col">Webhook host</th><th scope="col">Enabled</th><th scope="col">OAuth</th><th scope="col">Last delivery</th></tr>
    </thead>
    <tbody id="exports-body">
      <tr class="placeholder"><td colspan="5">Loading exports…</td></tr>
    </tbody>
  </table>
  <div class="empty" id="exports-empty" hidden>
    <h3>No exports yet</h3>
    <p>Create one, configure OAuth for your CRM, and authorize it: engagements start flowing at once.</p>
    <a class="button primary" href="/console/exports/new" data-requires="exports:write">Create your first export</a>
  </div>
  <div class="table-foot" id="exports-more" hidden>
    <button type="button" class="button" id="exports-load-more">Show more</button>
  </div>
</section>`,
  });
}

const CONDITION_LABELS: Record<ConditionKind, { label: string; tone: string }> = {
  failing: { label: 'Failing', tone: 'bad' },
  reauthorization_required: { label: 'Re-authorization required', tone: 'warn' },
  disabled: { label: 'Disabled', tone: 'bad' },
};

/** Exports with an active condition, the reason each started with and since when; nothing when none. */
function attentionSection(items: readonly ExportNeedingAttention[]): SafeHtml {
  if (!items.length) return html``;
  const rows = items.map((item) => {
    const { label, tone } = CONDITION_LABELS[item.condition] ?? { label: item.condition, tone: 'warn' };
    const since = item.since
      ? html`<time datetime="${item.since.toISOString()}">${item.since.toISOString().slice(0, 16).replace('T', ' ')} UTC</time>`
      : html``;
    return html`<tr data-export-id="${item.exportId}" data-condition="${item.condition}">
      <th scope="row"><a href="/console/exports/${encodeURIComponent(item.exportId)}" class="row-link">${item.exportName}</a></th>
      <td><span class="badge ${tone}">${label}</span></td>
      <td>${item.reason ?? ''}</td>
      <td class="muted small">${since}</td>
    </tr>`;
  });
  return html`<section class="card flush" aria-labelledby="attention-title" id="attention">
  <h2 id="attention-title">Needs attention</h2>
  <table class="table" id="attention-table">
    <thead>
      <tr><th scope="col">Export</th><th scope="col">Condition</th><th scope="col">Reason</th><th scope="col">Since</th></tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>
</section>`;
}
