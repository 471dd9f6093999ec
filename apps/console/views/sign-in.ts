import { html } from '../../http/views/html.ts';
import { layout } from '../../http/views/layout.ts';

/** Why the manager landed on the sign-in page, shown above the form. */
export type SignInReason = 'expired' | 'signed-out' | undefined;

const NOTICES: Record<Exclude<SignInReason, undefined>, string> = {
  expired: 'Your session has expired. Sign in again to continue where you were.',
  'signed-out': 'You are signed out.',
};

/**
 * The sign-in page: username and password, and the group once the server says there are several.
 * `firstRun` (no member exists yet) adds how to create the first admin.
 */
export function signInPage(options: {
  next: string;
  reason: SignInReason;
  group?: string;
  firstRun?: boolean;
}): string {
  const notice = options.reason ? NOTICES[options.reason] : undefined;
  return layout({
    title: 'Sign in',
    script: 'sign-in.js',
    body: html`<section class="auth-card" aria-labelledby="sign-in-title">
  <div class="brand brand-large"><span class="brand-mark" aria-hidden="true"></span>Export Connector</div>
  <h1 id="sign-in-title">Sign in</h1>
  <p class="muted">Manage where your group's engagements are delivered.</p>
  ${notice ? html`<p class="notice" role="status">${notice}</p>` : html``}
  ${options.firstRun ? firstRunNote() : html``}
  <form id="sign-in-form" class="form" novalidate>
    <input type="hidden" name="next" value="${options.next}">
    <div class="field">
      <label for="username">Username</label>
      <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
    </div>
    <div class="field">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
    </div>
    <div class="field" id="group-field" ${options.group ? html`` : html`hidden`}>
      <label for="group">Group</label>
      <select id="group" name="group">${options.group ? html`<option value="${options.group}" selected>${options.group}</option>` : html``}</select>
      <p class="hint" id="group-hint">You belong to several groups: choose the one to work in.</p>
    </div>
    <p class="form-error" id="sign-in-error" role="alert" hidden></p>
    <button class="button primary wide" type="submit">Sign in</button>
  </form>
  <p class="muted"><a class="button wide" href="/sso/start?${new URLSearchParams({ ...(options.group ? { group: options.group } : {}), next: options.next }).toString()}">Sign in with SSO</a></p>
</section>`,
  });
}

/** While no member exists: how the operator creates the first admin (docs/operations.md, "First run"). */
function firstRunNote() {
  return html`<div class="notice" id="first-run" role="note">
    <p><strong>First run: no member exists yet.</strong> Create the first admin on the connector's machine with
    <code>npm run admin -- create &lt;group&gt; &lt;username&gt;</code> (it asks for the password), or set
    <code>BOOTSTRAP_GROUP</code>, <code>BOOTSTRAP_ADMIN_USERNAME</code> and <code>BOOTSTRAP_ADMIN_PASSWORD</code>
    and restart the connector. Then sign in here.</p>
  </div>`;
}
