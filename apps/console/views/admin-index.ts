import { html } from '../../http/views/html.ts';
import { ADMIN_PAGES } from './admin-nav.ts';
import { type AdminViewer, adminHead, adminPage } from './admin-page.ts';

/** `/console/admin`: every Settings page with what it is for. */
export function adminIndexPage(viewer: AdminViewer): string {
  return adminPage(viewer, {
    title: 'Settings',
    current: 'index',
    script: 'admin-index.js',
    body: html`${adminHead('Settings', html`How <strong>${viewer.session.groupName}</strong> signs in, who belongs to it, and what may call its API.`)}
<ul class="admin-cards" aria-label="Settings pages">
  ${ADMIN_PAGES.map(
    (p) => html`<li class="admin-card">
    <a href="/console/admin/${p.key}">${p.label}</a>
    <p>${p.description}</p>
  </li>`,
  )}
</ul>`,
  });
}
