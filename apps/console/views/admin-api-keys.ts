import { PRIVILEGES } from '../../core/groups/roles.ts';
import { html } from '../../http/views/html.ts';
import { type AdminViewer, adminHead, adminPage, readOnlyNote } from './admin-page.ts';
import { confirmDialog } from './confirm-dialog.ts';
import { PRIVILEGE_WORDS } from './privilege-words.ts';

/**
 * `/console/admin/api-keys`: the group's server API keys (GET /v1/api-keys, never a secret),
 * "Create API key" with the privileges the member holds (nobody grants what they do not hold:
 * docs/api/groups-and-members.md), the secret shown once, and revocation.
 */
export function adminApiKeysPage(viewer: AdminViewer): string {
  const held = PRIVILEGES.filter((p) => viewer.session.privileges.includes(p));
  return adminPage(viewer, {
    title: 'API keys',
    current: 'api-keys',
    script: 'admin-api-keys.js',
    body: html`${adminHead('API keys', 'Servers sign their requests with a key’s id and secret. A key holds only the privileges chosen here.')}
${readOnlyNote(viewer, 'api-keys:manage', 'manage API keys')}
<p class="banner error" id="page-error" role="alert" hidden></p>
<p class="notice admin-status" id="keys-status" role="status" hidden></p>
<section class="card narrow success-card" id="created-card" aria-labelledby="created-title" tabindex="-1" hidden>
  <h2 id="created-title">API key created</h2>
  <p>Your server signs each request with the key id and this secret (<code>Authorization: Signature keyId=…</code>).</p>
  <div class="secret">
    <label for="created-id">Key ID</label>
    <input id="created-id" class="mono" readonly spellcheck="false">
  </div>
  <div class="secret" id="created-secret"></div>
  <div class="actions">
    <button type="button" class="button" id="created-done">Done</button>
  </div>
</section>
<section class="card flush" aria-labelledby="keys-title">
  <h2 class="card-head padded" id="keys-title">Keys</h2>
  <table class="table stack" id="keys-table">
    <thead>
      <tr><th scope="col">Name</th><th scope="col">Key ID</th><th scope="col">Privileges</th><th scope="col">Status</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
    </thead>
    <tbody id="keys-body">
      <tr class="placeholder" data-loading><td colspan="7">Loading API keys…</td></tr>
    </tbody>
  </table>
  <p class="empty-line" id="keys-unreadable" hidden></p>
  <div class="table-foot" id="keys-more" hidden>
    <button type="button" class="button" id="keys-load-more">Show more</button>
  </div>
</section>
<section class="card narrow admin-form-card" aria-labelledby="create-title">
  <h2 id="create-title">Create API key</h2>
  <form id="create-form" class="form" novalidate>
    <fieldset class="plain form" data-requires="api-keys:manage">
      <legend class="visually-hidden">New API key</legend>
      <div class="field">
        <label for="name">Name</label>
        <input id="name" name="name" required maxlength="100" autocomplete="off" placeholder="Billing server">
        <p class="field-error" id="name-error" hidden></p>
      </div>
      <fieldset class="plain field" aria-describedby="privileges-hint">
        <legend class="inline-label">Privileges</legend>
        <p class="hint" id="privileges-hint">Only the privileges you hold yourself can be given.</p>
        <div class="privilege-list">
          ${held.map(
            (p) => html`<div class="field checkbox">
            <input type="checkbox" id="privilege-${p}" name="privileges" value="${p}">
            <label for="privilege-${p}"><code>${p}</code> <span class="muted">${PRIVILEGE_WORDS[p]}</span></label>
          </div>`,
          )}
        </div>
        <p class="field-error" id="privileges-error" hidden></p>
      </fieldset>
      <div class="field">
        <label for="expiresAt">Expires (optional)</label>
        <input id="expiresAt" name="expiresAt" type="datetime-local" step="1" aria-describedby="expiresAt-hint">
        <p class="hint" id="expiresAt-hint">In your time zone. Without it the key works until it is revoked.</p>
        <p class="field-error" id="expiresAt-error" hidden></p>
      </div>
      <p class="form-error" id="create-error" role="alert" hidden></p>
      <div class="actions">
        <button class="button primary" type="submit">Create API key</button>
      </div>
    </fieldset>
  </form>
</section>
${confirmDialog()}`,
  });
}
