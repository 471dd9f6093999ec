import { html, type SafeHtml } from '../../http/views/html.ts';
import { layout } from '../../http/views/layout.ts';
import { type AdminViewer, readOnlyReason } from './admin-page.ts';
import { type AdminPageKey, adminNav } from './admin-nav.ts';
import { confirmDialog } from './confirm-dialog.ts';

/** Who opens the page (admin-page.ts). */
export type AdminIntegrationViewer = AdminViewer;
export { readOnlyReason };

/** What a Settings page of the integrations family (SSO, notifications, apps, audit log) puts in its shell. */
export interface AdminIntegrationPage {
  key: Extract<AdminPageKey, 'sso' | 'notifications' | 'apps' | 'audit'>;
  title: string;
  lede: string;
  script: string;
  /** The signed-in member; the group's id is for the `/v1/groups/:group/…` calls of the page's script. */
  viewer: AdminIntegrationViewer;
  /** Shown under the heading when the member may only read this page (why, in one line). */
  readOnlyReason?: string | undefined;
  bodyData?: SafeHtml;
  body: SafeHtml;
}

/** The shared shell: Settings navigation beside the page, its heading, the page-wide alert and read-only line. */
export function adminIntegrationPage(page: AdminIntegrationPage): string {
  return layout({
    title: page.title,
    script: page.script,
    session: page.viewer.session,
    styles: ['admin.css', 'admin-integrations.css'],
    section: 'admin',
    bodyData: html`data-group="${page.viewer.groupId}" ${page.bodyData ?? html``}`,
    body: html`<div class="admin-layout admin-int">
${adminNav(page.key)}
<div class="admin-main">
  <div class="page-head">
    <div>
      <h1>${page.title}</h1>
      <p class="lede">${page.lede}</p>
    </div>
  </div>
  ${page.readOnlyReason ? html`<p class="banner warn" id="read-only">${page.readOnlyReason}</p>` : html``}
  <p class="banner error" id="page-error" role="alert" hidden></p>
  ${page.body}
</div>
</div>
${confirmDialog()}`,
  });
}
