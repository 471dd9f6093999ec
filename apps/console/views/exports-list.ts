import { html } from '../../http/views/html.ts';
import { layout, type ViewSession } from '../../http/views/layout.ts';

/** The group's exports: a table the browser fills from GET /v1/exports. */
export function exportsListPage(session: ViewSession): string {
  return layout({
    title: 'Exports',
    script: 'exports-list.js',
    session,
    body: html`<div class="page-head">
  <div>
    <h1>Exports</h1>
    <p class="lede">Each export pushes your group's completed engagements to one CRM webhook.</p>
  </div>
  <a class="button primary" href="/console/exports/new" data-requires="exports:write">New export</a>
</div>
<p class="banner error" id="page-error" role="alert" hidden></p>
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
