import { MAX_ORIGINS_PER_GROUP } from '../../core/groups/origins.ts';
import { html } from '../../http/views/html.ts';
import { type AdminViewer, adminHead, adminPage, readOnlyNote } from './admin-page.ts';

/**
 * `/console/admin/origins`: the browser origins the group trusts for CORS (docs/api/cors.md), as
 * rows to edit and save at once (PUT /v1/groups/:group/origins), each row showing its own refusal.
 */
export function adminOriginsPage(viewer: AdminViewer, allowInsecureHttp: boolean): string {
  const rule = allowInsecureHttp ? 'https:// or http:// origins' : 'https:// origins (http:// only for localhost)';
  return adminPage(viewer, {
    title: 'Trusted origins',
    current: 'origins',
    script: 'admin-origins.js',
    body: html`${adminHead('Trusted origins', 'Web pages on these origins may call the API from a browser with this group’s credentials.')}
${readOnlyNote(viewer, 'origins:manage', 'change trusted origins')}
<p class="banner error" id="page-error" role="alert" hidden></p>
<section class="card narrow" aria-labelledby="origins-title">
  <h2 id="origins-title">Origins</h2>
  <p class="empty-line" id="origins-unreadable" hidden></p>
  <form id="origins-form" class="form" novalidate data-max="${MAX_ORIGINS_PER_GROUP}">
    <p class="hint" id="origins-hint">Scheme, host and port only, such as <code>https://app.example.com</code>: ${rule}, no path and no wildcard. Up to ${MAX_ORIGINS_PER_GROUP}.</p>
    <p class="muted" id="origins-loading" data-loading>Loading origins…</p>
    <p class="muted" id="origins-empty" hidden>No origin is trusted: no web page can call the API with this group’s credentials.</p>
    <ul class="origin-rows" id="origin-rows" aria-label="Trusted origins"></ul>
    <p class="form-error" id="origins-error" role="alert" hidden></p>
    <div class="actions">
      <button class="button" type="button" id="add-origin" data-requires="origins:manage">Add origin</button>
      <button class="button primary" type="submit" data-requires="origins:manage">Save origins</button>
      <span class="saved" id="origins-saved" role="status"></span>
    </div>
  </form>
</section>`,
  });
}
