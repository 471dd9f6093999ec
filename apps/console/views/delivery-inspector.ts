import { html } from '../../http/views/html.ts';
import { layout, type ViewSession } from '../../http/views/layout.ts';
import { confirmDialog } from './confirm-dialog.ts';
import { readOnlyNote } from './delivery-notes.ts';

/**
 * One delivery (GET /v1/deliveries/:id, docs/api/delivery-inspector.md): its status and ids, the
 * request as sent (token masked by the API), every attempt with the CRM's answer, and Retry and
 * Resend. A parked delivery says what to do; a held one names the delivery it waits for.
 */
export function deliveryInspectorPage(session: ViewSession, deliveryId: string): string {
  return layout({
    title: 'Delivery',
    script: 'delivery-inspector.js',
    session,
    section: 'deliveries',
    bodyData: html`data-delivery-id="${deliveryId}"`,
    body: html`<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/console/deliveries">Deliveries</a><span aria-hidden="true">/</span><span class="mono crumb-id">${deliveryId}</span></nav>
<div class="page-head">
  <div>
    <h1 id="delivery-title">Delivery</h1>
    <p class="lede badges" id="delivery-badges"></p>
  </div>
  <div class="actions">
    <button type="button" class="button" id="retry-delivery" data-requires="deliveries:retry" disabled>Retry</button>
    <button type="button" class="button" id="resend-delivery" data-requires="deliveries:retry" disabled>Resend</button>
  </div>
</div>
${readOnlyNote(session, 'deliveries:retry', 'You can look at this delivery; retrying or resending it needs the manager or admin role, so those buttons are disabled.')}
<p class="banner error" id="page-error" role="alert" hidden></p>
<p class="notice action-result" id="action-result" role="status" hidden></p>
<div class="banner warn" id="next-step" hidden></div>
<div class="banner info" id="waiting-for" hidden></div>
<section class="card" id="summary" aria-labelledby="summary-title">
  <h2 id="summary-title">Summary</h2>
  <dl class="facts" id="facts"><div><dt>Loading</dt><dd>…</dd></div></dl>
</section>
<section class="card" id="request" aria-labelledby="request-title">
  <h2 id="request-title">Request as sent</h2>
  <p class="muted small" id="request-empty" hidden>Nothing was sent yet: the request appears after the first attempt.</p>
  <div id="request-parts"></div>
</section>
<section class="card" id="attempts" aria-labelledby="attempts-title">
  <h2 id="attempts-title">Attempts</h2>
  <p class="muted small" id="attempts-empty" hidden>No attempt yet.</p>
  <ol class="attempt-list" id="attempt-list"></ol>
</section>
${confirmDialog('primary')}`,
  });
}
