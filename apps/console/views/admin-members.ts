import { ROLES } from '../../core/groups/roles.ts';
import { html } from '../../http/views/html.ts';
import { type AdminViewer, adminHead, adminPage, readOnlyNote } from './admin-page.ts';
import { confirmDialog } from './confirm-dialog.ts';

const roleOptions = (selected: string) =>
  ROLES.map((role) => html`<option value="${role}"${role === selected ? html` selected` : html``}>${role}</option>`);

/**
 * `/console/admin/members`: the group's members and their roles (GET /v1/groups/:group/members),
 * "Add member" (with a password, or a one-time link for the member to choose one), change of role
 * and removal (docs/api/groups-and-members.md). The browser fills the list.
 */
export function adminMembersPage(viewer: AdminViewer): string {
  return adminPage(viewer, {
    title: 'Members',
    current: 'members',
    script: 'admin-members.js',
    body: html`${adminHead('Members', 'Who belongs to the group and with which role. A role change holds from the member’s next request.')}
${readOnlyNote(viewer, 'members:manage', 'manage members')}
<p class="banner error" id="page-error" role="alert" hidden></p>
<p class="notice admin-status" id="members-status" role="status" hidden></p>
<section class="card flush" aria-labelledby="members-title">
  <h2 class="card-head padded" id="members-title">Members of ${viewer.session.groupName}</h2>
  <table class="table stack" id="members-table">
    <thead>
      <tr><th scope="col">Username</th><th scope="col">Role</th><th scope="col">Added</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
    </thead>
    <tbody id="members-body">
      <tr class="placeholder" data-loading><td colspan="4">Loading members…</td></tr>
    </tbody>
  </table>
  <p class="empty-line" id="members-unreadable" hidden></p>
</section>
<section class="card narrow admin-form-card" aria-labelledby="add-title" id="add-card">
  <h2 id="add-title">Add member</h2>
  <form id="add-form" class="form" novalidate>
    <fieldset class="plain form" data-requires="members:manage">
      <legend class="visually-hidden">New member</legend>
      <div class="field">
        <label for="username">Username</label>
        <input id="username" name="username" required maxlength="100" autocomplete="off" spellcheck="false" aria-describedby="username-hint">
        <p class="hint" id="username-hint">Letters, digits and . _ @ + - only. It is this group’s own sign-in name, whatever other groups use.</p>
        <p class="field-error" id="username-error" hidden></p>
      </div>
      <div class="field">
        <label for="role">Role</label>
        <select id="role" name="role">${roleOptions('viewer')}</select>
        <p class="field-error" id="role-error" hidden></p>
      </div>
      <div class="field">
        <label for="password">Password (optional)</label>
        <input id="password" name="password" type="password" minlength="8" maxlength="1024" autocomplete="new-password" aria-describedby="password-hint">
        <p class="hint" id="password-hint">Leave it empty to get a one-time link the member opens to choose their own password.</p>
        <p class="field-error" id="password-error" hidden></p>
      </div>
      <p class="form-error" id="add-error" role="alert" hidden></p>
      <div class="actions">
        <button class="button primary" type="submit">Add member</button>
      </div>
    </fieldset>
  </form>
</section>
<section class="card narrow success-card" id="added-card" aria-labelledby="added-title" tabindex="-1" hidden>
  <h2 id="added-title">Member added</h2>
  <p id="added-text"></p>
  <div class="secret" id="added-link" hidden></div>
  <div class="actions">
    <button type="button" class="button" id="added-done">Done</button>
  </div>
</section>
${confirmDialog()}`,
  });
}
