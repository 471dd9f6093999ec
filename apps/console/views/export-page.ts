import { deliveriesSection } from './export-deliveries.ts';
import { oauthSection } from './export-oauth.ts';
import { settingsSection } from './export-settings.ts';
import { readOnlyNote } from './delivery-notes.ts';
import { html } from '../../http/views/html.ts';
import { layout, type ViewSession } from '../../http/views/layout.ts';
import { confirmDialog } from './confirm-dialog.ts';

/** The export page's parts, in page order; the section nav links to each (docs/console.md). */
const SECTIONS = [
  { id: 'webhook', label: 'Webhook' },
  { id: 'oauth', label: 'OAuth' },
  { id: 'settings', label: 'Delivery settings' },
  { id: 'deliveries', label: 'Deliveries' },
] as const;

/**
 * One export: its webhook settings and signing secret, the "Configure OAuth" form with "Check
 * configuration", "Authorize Export" and "Send test event", its delivery settings, and its recent
 * deliveries. A section nav under the title reaches each without scrolling past the others. The
 * browser fills every value from the API.
 */
export function exportPage(session: ViewSession, exportId: string, redirectUri: string): string {
  return layout({
    title: 'Export',
    script: 'export-page.js',
    session,
    section: 'exports',
    bodyData: html`data-export-id="${exportId}"`,
    body: html`<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/console/exports">Exports</a><span aria-hidden="true">/</span><span id="crumb-name">Export</span></nav>
<div class="page-head">
  <div>
    <h1 id="export-name">Loading…</h1>
    <p class="lede badges" id="export-badges"></p>
  </div>
  <div class="actions">
    <button type="button" class="button" id="toggle-enabled" data-requires="exports:write" disabled>Disable</button>
    <button type="button" class="button danger" id="delete-export" data-requires="exports:write" disabled>Delete</button>
  </div>
</div>
<nav class="section-nav" id="section-nav" aria-label="Export sections">
  ${SECTIONS.map((s) => html`<a href="#${s.id}" data-section="${s.id}">${s.label}</a>`)}
</nav>
${readOnlyNote(session, 'exports:write', 'You can look at this export; changing it needs the manager or admin role, so its buttons are disabled.')}
<p class="banner error" id="page-error" role="alert" hidden></p>
<p class="banner warn" id="disabled-reason" hidden></p>
<div class="grid">
${webhookSection()}
${oauthSection(redirectUri)}
</div>
${settingsSection()}
${deliveriesSection(exportId)}
${confirmDialog()}`,
  });
}

function webhookSection() {
  return html`<section class="card jump-target" id="webhook" aria-labelledby="webhook-title">
  <h2 id="webhook-title">Webhook</h2>
  <form id="webhook-form" class="form" novalidate>
    <div class="field">
      <label for="name">Name</label>
      <input id="name" name="name" required maxlength="200">
      <p class="field-error" id="name-error" hidden></p>
    </div>
    <div class="field">
      <label for="webhookUrl">Webhook URL</label>
      <input id="webhookUrl" name="webhookUrl" inputmode="url" autocomplete="off" spellcheck="false" required aria-describedby="webhookUrl-hint">
      <p class="hint" id="webhookUrl-hint">Pushed as <code>POST</code> with the access token and a Standard Webhooks signature. <code>{instance_url}</code> is filled in from the Salesforce org.</p>
      <p class="field-error" id="webhookUrl-error" hidden></p>
    </div>
    <p class="form-error" id="webhook-error" role="alert" hidden></p>
    <div class="actions">
      <button class="button primary" type="submit" data-requires="exports:write">Save webhook</button>
      <span class="saved" id="webhook-saved" role="status"></span>
    </div>
  </form>
  <div class="subsection">
    <h3>Signing secret</h3>
    <p class="muted small">Receivers verify the <code>webhook-signature</code> header with it. Rotating keeps the old secret signing beside the new one for 24 hours.</p>
    <p class="hint" id="previous-secret" hidden></p>
    <div class="secret" id="rotated-secret"></div>
    <button type="button" class="button" id="rotate-secret" data-requires="exports:write">Rotate signing secret</button>
  </div>
</section>`;
}
