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
 * The line that says why a page is read-only for this member ("Only admins can manage members:
 * you are a viewer"), or nothing when they hold the privilege. Roles and privileges:
 * apps/core/groups/roles.ts.
 */
export function readOnlyNote(viewer: AdminViewer, privilege: Privilege, what: string): SafeHtml {
  if (viewer.session.privileges.includes(privilege)) return html``;
  const who = viewer.role ? `you are ${ROLE_WORDS[viewer.role]}` : 'your session does not allow it';
  // An admin whose session was narrowed (a login key's token) lacks it too: say so rather than "you are an admin".
  const reason = viewer.role === 'admin' ? 'your session does not include this privilege' : who;
  return html`<p class="banner warn" id="read-only">Only admins can ${what}: ${reason}.</p>`;
}

/** The confirmation dialog dialog.js `confirmAction` fills in. */
export function confirmDialog(): SafeHtml {
  return html`<dialog class="dialog" id="confirm-dialog" aria-labelledby="confirm-title">
  <form method="dialog">
    <h2 id="confirm-title">Are you sure?</h2>
    <p id="confirm-text"></p>
    <div class="actions end">
      <button class="button quiet" value="cancel" type="submit">Cancel</button>
      <button class="button danger" value="confirm" type="submit" id="confirm-button">Confirm</button>
    </div>
  </form>
</dialog>`;
}

/** The page's heading and one-line purpose. */
export function adminHead(title: string, lede: SafeHtml | string): SafeHtml {
  return html`<div class="page-head"><div><h1>${title}</h1><p class="lede">${lede}</p></div></div>`;
}
