import { ROLES } from '../../core/groups/roles.ts';
import { html } from '../../http/views/html.ts';
import { type AdminIntegrationViewer, adminIntegrationPage, readOnlyReason } from './admin-int-page.ts';

const ROLE_LABELS: Record<(typeof ROLES)[number], string> = {
  admin: 'Admin',
  manager: 'Manager',
  viewer: 'Viewer',
};

/**
 * Single sign-on (docs/api/keys-partners-sso.md): the group's OpenID Connect provider, the redirect
 * URI to register there, saving (the API tries discovery first) and removing it. The client
 * secret is write-only: the page says whether one is set, never what it is.
 */
export function ssoPage(viewer: AdminIntegrationViewer, redirectUri: string): string {
  return adminIntegrationPage({
    key: 'sso',
    title: 'Single sign-on',
    lede: 'Members sign in through your company’s OpenID Connect provider; new members get the default role.',
    script: 'admin-sso.js',
    viewer,
    readOnlyReason: readOnlyReason(viewer, 'members:manage', 'see or change single sign-on'),
    body: html`<section class="card narrow" aria-labelledby="sso-title" id="sso-card">
  <div class="card-head">
    <h2 id="sso-title">OpenID Connect provider</h2>
    <span id="sso-state" class="badge neutral" data-status="loading">Loading…</span>
  </div>
  <div class="field admin-int-block">
    <label for="redirect-uri">Redirect URI to register at the provider</label>
    <div class="secret-row">
      <input id="redirect-uri" class="mono" readonly value="${redirectUri}" spellcheck="false" aria-describedby="redirect-uri-hint">
      <button type="button" class="button" id="copy-redirect-uri">Copy</button>
    </div>
    <p class="hint" id="redirect-uri-hint">Create a confidential web client at the provider with this redirect URI, then enter its values below.</p>
  </div>
  <p class="admin-int-facts admin-int-block" id="sso-facts" hidden></p>
  <form id="sso-form" class="form" novalidate>
    <fieldset class="plain admin-int-fieldset" data-requires="members:manage">
      <legend class="visually-hidden">Provider settings</legend>
      <div class="field">
        <label for="issuer">Issuer URL</label>
        <input id="issuer" name="issuer" inputmode="url" autocomplete="off" spellcheck="false" required placeholder="https://login.example.com" aria-describedby="issuer-hint">
        <p class="hint" id="issuer-hint">The provider’s issuer; the connector reads its <code>/.well-known/openid-configuration</code> before saving.</p>
        <p class="field-error" id="issuer-error" hidden></p>
      </div>
      <div class="field">
        <label for="clientId">Client ID</label>
        <input id="clientId" name="clientId" autocomplete="off" spellcheck="false" required maxlength="300">
        <p class="field-error" id="clientId-error" hidden></p>
      </div>
      <div class="field">
        <label for="clientSecret">Client secret</label>
        <input id="clientSecret" name="clientSecret" type="password" autocomplete="new-password" spellcheck="false" maxlength="1000" aria-describedby="clientSecret-hint">
        <p class="hint" id="clientSecret-hint"><span class="badge neutral" id="secret-state">Not set</span> <span id="secret-help">Required the first time; never shown again once saved.</span></p>
        <p class="field-error" id="clientSecret-error" hidden></p>
      </div>
      <div class="field">
        <label for="defaultRole">Default role</label>
        <select id="defaultRole" name="defaultRole" aria-describedby="defaultRole-hint">
          ${ROLES.map((role) => html`<option value="${role}"${role === 'viewer' ? html` selected` : html``}>${ROLE_LABELS[role]}</option>`)}
        </select>
        <p class="hint" id="defaultRole-hint">The role of members created at their first sign-in. You can give at most your own.</p>
        <p class="field-error" id="defaultRole-error" hidden></p>
      </div>
      <p class="form-error" id="sso-error" role="alert" hidden></p>
      <div class="actions">
        <button class="button primary" type="submit">Save single sign-on</button>
        <button class="button danger" type="button" id="remove-sso" hidden>Remove single sign-on</button>
        <span class="saved" id="sso-saved" role="status"></span>
      </div>
    </fieldset>
  </form>
</section>`,
  });
}
