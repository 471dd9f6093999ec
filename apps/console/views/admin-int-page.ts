import type { Privilege, Role } from '../../core/groups/roles.ts';
import { html, type SafeHtml } from '../../http/views/html.ts';
import { layout, type ViewSession } from '../../http/views/layout.ts';
import { type AdminPageKey, adminNav } from './admin-nav.ts';

/** Who opens the page: the top bar's session, their role in the group, and the group's id for API paths. */
export interface AdminIntegrationViewer {
  session: ViewSession;
  role: Role | null;
  groupId: string;
}

const ROLE_WORDS: Record<Role, string> = { admin: 'an admin', manager: 'a manager', viewer: 'a viewer' };

/**
 * Why the page is read-only for this member ("Only admins can change single sign-on: you are a
 * viewer"), or undefined when they hold the privilege (roles: apps/core/groups/roles.ts).
 */
export function readOnlyReason(viewer: AdminIntegrationViewer, privilege: Privilege, what: string): string | undefined {
  if (viewer.session.privileges.includes(privilege)) return undefined;
  // An admin whose session was narrowed (a login key's token) lacks it too: say so rather than "you are an admin".
  const why =
    viewer.role && viewer.role !== 'admin'
      ? `you are ${ROLE_WORDS[viewer.role]}`
      : 'your session does not include this privilege';
  return `Only admins can ${what}: ${why}.`;
}

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
<dialog class="dialog" id="confirm-dialog" aria-labelledby="confirm-title">
  <form method="dialog">
    <h2 id="confirm-title">Are you sure?</h2>
    <p id="confirm-text"></p>
    <div class="actions end">
      <button class="button quiet" value="cancel" type="submit">Cancel</button>
      <button class="button danger" value="confirm" type="submit" id="confirm-button">Confirm</button>
    </div>
  </form>
</dialog>`,
  });
}
