import type { Privilege, Role } from '../../core/groups/roles.ts';
import { html, type SafeHtml } from '../../http/views/html.ts';
import { layout, type ViewSession } from '../../http/views/layout.ts';
import { type AdminPageKey, adminNav } from './admin-nav.ts';

/** Who opens a Settings page: the top bar's session, their role in the group, and the group's id for API paths. */
export interface AdminViewer {
  session: ViewSession;
  role: Role | null;
  groupId: string;
}

/**
 * A Settings page: the side navigation (admin-nav.ts) beside the page's own content, the
 * Settings stylesheet, and the group and member the page's script calls the API for.
 */
export function adminPage(
  viewer: AdminViewer,
  page: { title: string; current: AdminPageKey | 'index'; script: string; body: SafeHtml },
): string {
  return layout({
    title: page.title,
    script: page.script,
    session: viewer.session,
    styles: ['admin.css'],
    section: 'admin',
    bodyData: html`data-group-id="${viewer.groupId}" data-username="${viewer.session.username}"`,
    body: html`<div class="admin-layout">
${adminNav(page.current)}
<div class="admin-main">
${page.body}
</div>
</div>`,
  });
}

const ROLE_WORDS: Record<Role, string> = { admin: 'an admin', manager: 'a manager', viewer: 'a viewer' };

/**
 * Why a page is read-only for this member ("Only admins can manage members: you are a viewer"),
 * or undefined when they hold the privilege. Roles and privileges: apps/core/groups/roles.ts.
 */
export function readOnlyReason(viewer: AdminViewer, privilege: Privilege, what: string): string | undefined {
  if (viewer.session.privileges.includes(privilege)) return undefined;
  // An admin whose session was narrowed (a login key's token) lacks it too: say so rather than "you are an admin".
  const why =
    viewer.role && viewer.role !== 'admin'
      ? `you are ${ROLE_WORDS[viewer.role]}`
      : 'your session does not include this privilege';
  return `Only admins can ${what}: ${why}.`;
}

/** The read-only line as markup, or nothing when the member holds the privilege. */
export function readOnlyNote(viewer: AdminViewer, privilege: Privilege, what: string): SafeHtml {
  const reason = readOnlyReason(viewer, privilege, what);
  return reason ? html`<p class="banner warn" id="read-only">${reason}</p>` : html``;
}

/** The page's heading and one-line purpose. */
export function adminHead(title: string, lede: SafeHtml | string): SafeHtml {
  return html`<div class="page-head"><div><h1>${title}</h1><p class="lede">${lede}</p></div></div>`;
}
