import { html } from '../../http/views/html.ts';
import { layout } from '../../http/views/layout.ts';

/** The console's 404 page. */
export function notFoundPage(): string {
  return layout({
    title: 'Not found',
    body: html`<section class="auth-card">
  <div class="brand brand-large"><span class="brand-mark" aria-hidden="true"></span>Export Connector</div>
  <h1>Page not found</h1>
  <p class="muted">There is no console page at this address.</p>
  <a class="button primary" href="/console/exports">Go to exports</a>
</section>`,
  });
}
