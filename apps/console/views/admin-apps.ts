import { PRIVILEGES } from '../../core/groups/roles.ts';
import { html, type SafeHtml } from '../../http/views/html.ts';
import type { ViewSession } from '../../http/views/layout.ts';
import { type AdminIntegrationViewer, adminIntegrationPage, readOnlyReason } from './admin-int-page.ts';
import { PRIVILEGE_WORDS } from './privilege-words.ts';

/**
 * Apps (docs/api/third-party-apps.md): the group's third-party apps (register one, its client
 * secret shown once; delete one, which stops every token it holds) and the apps the signed-in
 * member authorized, each of which they may withdraw.
 */
export function appsPage(viewer: AdminIntegrationViewer): string {
  const reason = readOnlyReason(viewer, 'api-keys:manage', 'see, register or delete your group’s apps');
  return adminIntegrationPage({
    key: 'apps',
    title: 'Apps',
    lede: 'Software that calls the connector’s API for your members, with the privileges they allowed it.',
    script: 'admin-apps.js',
    viewer,
    body: html`${reason ? groupAppsReadOnly(reason) : groupApps(viewer.session)}
<section class="card flush" aria-labelledby="authorized-title" id="authorized-card">
  <div class="card-head padded">
    <div>
      <h2 id="authorized-title">Apps you authorized</h2>
      <p class="muted small">Apps you allowed to act for you. Withdrawing one stops its tokens at once.</p>
    </div>
  </div>
  <p class="banner error inset" id="authorized-error" role="alert" hidden></p>
  <table class="table stack" id="authorized-table">
    <thead>
      <tr><th scope="col">App</th><th scope="col">Privileges you allowed</th><th scope="col">Authorized</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
    </thead>
    <tbody id="authorized-body"><tr class="placeholder"><td colspan="4">Loading apps…</td></tr></tbody>
  </table>
  <p class="empty-line" id="authorized-empty" hidden>You have not authorized any app.</p>
</section>`,
  });
}

function groupAppsReadOnly(reason: string): SafeHtml {
  return html`<section class="card" aria-labelledby="apps-title" id="apps-card">
  <h2 id="apps-title">Your group’s apps</h2>
  <p class="banner warn" id="read-only">${reason}</p>
</section>`;
}

function groupApps(session: ViewSession): SafeHtml {
  const held = new Set(session.privileges);
  return html`<section class="card flush" aria-labelledby="apps-title" id="apps-card">
  <div class="card-head padded">
    <div>
      <h2 id="apps-title">Your group’s apps</h2>
      <p class="muted small">Each app signs members in through the connector’s OAuth authorization server and gets at most the privileges listed here.</p>
    </div>
  </div>
  <table class="table stack" id="apps-table">
    <thead>
      <tr><th scope="col">Name</th><th scope="col">Client ID</th><th scope="col">Redirect URIs</th><th scope="col">Privileges</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
    </thead>
    <tbody id="apps-body"><tr class="placeholder"><td colspan="5">Loading apps…</td></tr></tbody>
  </table>
  <p class="empty-line" id="apps-empty" hidden>No apps yet.</p>
  <div class="table-foot" id="apps-more" hidden><button type="button" class="button" id="apps-load-more">Show more</button></div>
</section>
<section class="card" aria-labelledby="create-app-title" id="create-app-card">
  <h2 id="create-app-title">Register an app</h2>
  <form id="app-form" class="form" novalidate>
    <div class="field">
      <label for="app-name">App name</label>
      <input id="app-name" name="name" required maxlength="100" autocomplete="off" aria-describedby="app-name-hint">
      <p class="hint" id="app-name-hint">Members see this name on the consent page.</p>
      <p class="field-error" id="name-error" hidden></p>
    </div>
    <div class="field">
      <label for="app-redirect-uris">Redirect URIs</label>
      <textarea id="app-redirect-uris" name="redirectUris" rows="2" spellcheck="false" required aria-describedby="app-redirect-uris-hint"></textarea>
      <p class="hint" id="app-redirect-uris-hint">One per line: <code>https://</code>, or <code>http://</code> on a loopback host (an app on the member’s own machine). At most 10.</p>
      <p class="field-error" id="redirectUris-error" hidden></p>
    </div>
    <fieldset class="plain admin-int-choices" aria-describedby="privileges-hint">
      <legend>Privileges</legend>
      <p class="hint" id="privileges-hint">What the app may ask members for. You can give at most your own.</p>
      <input type="hidden" name="privileges">
      <div class="privilege-list">
      ${PRIVILEGES.map(
        (p) => html`<div class="field checkbox">
        <input type="checkbox" id="privilege-${p}" value="${p}" data-privilege${held.has(p) ? html`` : html` disabled`}>
        <label for="privilege-${p}">${PRIVILEGE_WORDS[p]} <code>${p}</code></label>
      </div>`,
      )}
      </div>
      <p class="field-error" id="privileges-error" hidden></p>
    </fieldset>
    <p class="form-error" id="app-error" role="alert" hidden></p>
    <div class="actions">
      <button class="button primary" type="submit">Register app</button>
    </div>
  </form>
  <div class="admin-int-created" id="app-created" hidden>
    <h3 id="app-created-title">App registered</h3>
    <p>Give the app its client ID and secret. The secret is not shown again.</p>
    <div class="field">
      <label for="app-created-client-id">Client ID</label>
      <input id="app-created-client-id" class="mono" readonly spellcheck="false">
    </div>
    <div class="secret" id="app-secret"></div>
  </div>
</section>`;
}
