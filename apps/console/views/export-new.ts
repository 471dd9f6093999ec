import { html } from '../../http/views/html.ts';
import { layout, type ViewSession } from '../../http/views/layout.ts';

/** Create an export; on success the signing secret is shown here, once. */
export function newExportPage(session: ViewSession): string {
  return layout({
    title: 'New export',
    script: 'export-new.js',
    session,
    body: html`<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/console/exports">Exports</a><span aria-hidden="true">/</span><span>New export</span></nav>
<div class="page-head"><div><h1>New export</h1><p class="lede">Where should completed engagements be sent?</p></div></div>
<section class="card narrow" id="create-card" aria-labelledby="create-title">
  <h2 id="create-title" class="visually-hidden">Export details</h2>
  <form id="create-form" class="form" novalidate>
    <div class="field">
      <label for="name">Name</label>
      <input id="name" name="name" required maxlength="200" placeholder="Salesforce production">
      <p class="field-error" id="name-error" hidden></p>
    </div>
    <div class="field">
      <label for="webhookUrl">Webhook URL</label>
      <input id="webhookUrl" name="webhookUrl" inputmode="url" autocomplete="off" spellcheck="false" required placeholder="https://crm.example.com/hooks/engagements" aria-describedby="webhookUrl-hint">
      <p class="hint" id="webhookUrl-hint">For Salesforce you may start with <code>{instance_url}</code>: it is filled in from the org the export is authorized for.</p>
      <p class="field-error" id="webhookUrl-error" hidden></p>
    </div>
    <div class="field checkbox">
      <input id="enabled" name="enabled" type="checkbox" checked>
      <label for="enabled">Enabled</label>
    </div>
    <p class="form-error" id="create-error" role="alert" hidden></p>
    <div class="actions">
      <button class="button primary" type="submit">Create export</button>
      <a class="button quiet" href="/console/exports">Cancel</a>
    </div>
  </form>
</section>
<section class="card narrow success-card" id="created-card" aria-labelledby="created-title" hidden>
  <h2 id="created-title">Export created</h2>
  <p>Give this signing secret to the receiving webhook so it can verify the <code>webhook-signature</code> header of every push.</p>
  <div class="secret" id="created-secret"></div>
  <div class="actions">
    <a class="button primary" id="created-continue" href="/console/exports">Continue to Configure OAuth</a>
  </div>
</section>`,
  });
}
