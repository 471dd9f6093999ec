import { ROLES } from '../../core/groups/roles.ts';
import { html } from '../../http/views/html.ts';
import { type AdminViewer, adminHead, adminPage, readOnlyNote } from './admin-page.ts';
import { confirmDialog } from './confirm-dialog.ts';

/**
 * `/console/admin/partners`: partners whose servers sign their own users in with login keys
 * (docs/api/keys-partners-sso.md "Partner users"): the list (GET /v1/partners), "Add partner" with
 * the role its users get, the secret shown once, and revocation (which signs its users out).
 */
export function adminPartnersPage(viewer: AdminViewer): string {
  return adminPage(viewer, {
    title: 'Partners',
    current: 'partners',
    script: 'admin-partners.js',
    body: html`${adminHead('Partners', 'Another company’s server that signs its own users in to this group with login keys, each user getting the partner’s role.')}
${readOnlyNote(viewer, 'members:manage', 'manage partners')}
<p class="banner error" id="page-error" role="alert" hidden></p>
<p class="notice admin-status" id="partners-status" role="status" hidden></p>
<section class="card narrow success-card" id="created-card" aria-labelledby="created-title" tabindex="-1" hidden>
  <h2 id="created-title">Partner added</h2>
  <p>Give the partner its id and this secret: its server signs each user’s login key with them.</p>
  <div class="secret">
    <label for="created-id">Partner ID</label>
    <input id="created-id" class="mono" readonly spellcheck="false">
  </div>
  <div class="secret" id="created-secret"></div>
  <div class="actions">
    <button type="button" class="button" id="created-done">Done</button>
  </div>
</section>
<section class="card flush" aria-labelledby="partners-title">
  <h2 class="card-head padded" id="partners-title">Partners</h2>
  <table class="table stack" id="partners-table">
    <thead>
      <tr><th scope="col">Name</th><th scope="col">Partner ID</th><th scope="col">Users’ role</th><th scope="col">Status</th><th scope="col">Added</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
    </thead>
    <tbody id="partners-body">
      <tr class="placeholder" data-loading><td colspan="6">Loading partners…</td></tr>
    </tbody>
  </table>
  <p class="empty-line" id="partners-unreadable" hidden></p>
  <div class="table-foot" id="partners-more" hidden>
    <button type="button" class="button" id="partners-load-more">Show more</button>
  </div>
</section>
<section class="card narrow admin-form-card" aria-labelledby="create-title">
  <h2 id="create-title">Add partner</h2>
  <form id="create-form" class="form" novalidate>
    <fieldset class="plain form" data-requires="members:manage">
      <legend class="visually-hidden">New partner</legend>
      <div class="field">
        <label for="name">Name</label>
        <input id="name" name="name" required maxlength="100" autocomplete="off" placeholder="Acme Support Portal">
        <p class="field-error" id="name-error" hidden></p>
      </div>
      <div class="field">
        <label for="role">Role of its users</label>
        <select id="role" name="role">${ROLES.map((role) => html`<option value="${role}"${role === 'viewer' ? html` selected` : html``}>${role}</option>`)}</select>
        <p class="field-error" id="role-error" hidden></p>
      </div>
      <p class="form-error" id="create-error" role="alert" hidden></p>
      <div class="actions">
        <button class="button primary" type="submit">Add partner</button>
      </div>
    </fieldset>
  </form>
</section>
${confirmDialog()}`,
  });
}
