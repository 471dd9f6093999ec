import { html } from '../../http/views/html.ts';

/**
 * The "Configure OAuth" form (labels documented in docs/console.md: tests find the fields by them), the
 * Salesforce preset, "Check configuration" (the saved key and secret tried at the token endpoint),
 * "Authorize Export" with the result beside it, and "Send test event".
 */
export function oauthSection(redirectUri: string) {
  return html`<section class="card jump-target" id="oauth" aria-labelledby="oauth-title">
  <div class="card-head">
    <h2 id="oauth-title">OAuth</h2>
    <span class="badge" id="oauth-badge">…</span>
  </div>
  <form id="oauth-form" class="form" novalidate>
    <details class="preset" id="preset" data-requires="exports:write">
      <summary>Salesforce preset</summary>
      <div class="preset-row">
        <div class="field">
          <label for="preset-host">Salesforce login</label>
          <select id="preset-host">
            <option value="login">Production (login.salesforce.com)</option>
            <option value="test">Sandbox (test.salesforce.com)</option>
            <option value="mydomain">My Domain</option>
          </select>
        </div>
        <div class="field" id="preset-domain-field" hidden>
          <label for="preset-domain">My Domain host</label>
          <input id="preset-domain" placeholder="acme.my.salesforce.com" spellcheck="false" autocomplete="off">
        </div>
        <button type="button" class="button" id="apply-preset">Fill in Salesforce</button>
      </div>
      <p class="field-error" id="preset-error" hidden></p>
    </details>
    <div class="field">
      <label for="redirect-uri">Callback URL</label>
      <div class="secret-row">
        <input id="redirect-uri" class="mono" value="${redirectUri}" readonly aria-describedby="redirect-uri-hint">
        <button type="button" class="button" id="copy-redirect-uri">Copy</button>
      </div>
      <p class="hint" id="redirect-uri-hint">Register it as the callback URL of the CRM's connected app.</p>
    </div>
    ${field('authorizationUrl', 'Authorization URL', 'Where the manager signs in to the CRM and grants access.', 'https://login.salesforce.com/services/oauth2/authorize')}
    ${field('tokenUrl', 'Access Token URL', 'Where the connector exchanges the code for tokens.', 'https://login.salesforce.com/services/oauth2/token')}
    ${field('clientId', 'Client ID', "The connected app's consumer key.", '')}
    <div class="field">
      <label for="clientSecret">Client Secret</label>
      <input id="clientSecret" name="clientSecret" type="password" autocomplete="new-password" spellcheck="false" aria-describedby="clientSecret-state">
      <p class="hint" id="clientSecret-state">Not set yet.</p>
      <p class="field-error" id="clientSecret-error" hidden></p>
    </div>
    ${field('scopes', 'Scopes', 'Separated by spaces. Salesforce needs refresh_token (or offline_access) to keep access.', 'api refresh_token offline_access')}
    <div class="field">
      <label for="tokenAuthMethod">Client authentication method</label>
      <select id="tokenAuthMethod" name="tokenAuthMethod">
        <option value="client_secret_post">Secret in the request body (client_secret_post)</option>
        <option value="client_secret_basic">HTTP Basic header (client_secret_basic)</option>
      </select>
      <p class="field-error" id="tokenAuthMethod-error" hidden></p>
    </div>
    ${field('issuer', 'Issuer (optional)', "When set, the callback's iss parameter and any ID token must match it (RFC 9207).", 'https://login.salesforce.com')}
    <p class="form-error" id="oauth-error" role="alert" hidden></p>
    <div class="actions oauth-actions">
      <button class="button primary" type="submit" id="configure-oauth" data-requires="exports:write">Configure OAuth</button>
      <button class="button" type="button" id="check-configuration" data-requires="exports:write">Check configuration</button>
      <button class="button accent" type="button" id="authorize-export" data-requires="exports:authorize" disabled>Authorize Export</button>
      <button class="button" type="button" id="send-test-event" data-requires="deliveries:retry">Send test event</button>
      <button class="button quiet small" type="button" id="forget-connection" data-requires="exports:authorize" hidden>Disconnect</button>
    </div>
    <div class="oauth-result" id="oauth-result" role="status" aria-live="polite"></div>
    <div class="check-result" id="check-result" role="status" aria-live="polite"></div>
    <div class="test-event-result" id="test-event-result" role="status" aria-live="polite"></div>
  </form>
</section>`;
}

function field(name: string, label: string, hint: string, placeholder: string) {
  return html`<div class="field">
      <label for="${name}">${label}</label>
      <input id="${name}" name="${name}" spellcheck="false" autocomplete="off" placeholder="${placeholder}" aria-describedby="${name}-hint">
      <p class="hint" id="${name}-hint">${hint}</p>
      <p class="field-error" id="${name}-error" hidden></p>
    </div>`;
}
