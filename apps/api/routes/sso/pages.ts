import { html } from '../../../http/views/html.ts';
import { layout } from '../../../http/views/layout.ts';

/**
 * The two pages of "Sign in with SSO", in the console's look (its layout and stylesheet). No
 * inline script (CSP); the group page's script only turns the form into a navigation (see
 * assets/sso-start.js for why).
 */

/** Asks for the group whose identity provider to sign in with. */
export function chooseGroupPage(next: string): string {
  return layout({
    title: 'Sign in with SSO',
    body: html`<section class="auth-card" aria-labelledby="sso-title">
  <div class="brand brand-large"><span class="brand-mark" aria-hidden="true"></span>Export Connector</div>
  <h1 id="sso-title">Sign in with SSO</h1>
  <p class="muted">Your group's identity provider will ask you to sign in.</p>
  <form id="sso-form" class="form" method="get" action="/sso/start" data-next="${next}">
    <input type="hidden" name="next" value="${next}">
    <div class="field">
      <label for="sso-group">Group</label>
      <input id="sso-group" name="group" autocapitalize="none" spellcheck="false" required autofocus>
    </div>
    <button class="button primary wide" type="submit">Continue</button>
  </form>
  <p class="muted"><a href="/console/sign-in">Sign in with a password instead</a></p>
</section>
<script type="module" src="/sso/assets/sso-start.js"></script>`,
  });
}

/** Why an SSO sign-in did not complete, with a way back. */
export function ssoErrorPage(message: string, code: string): string {
  return layout({
    title: 'SSO sign-in failed',
    body: html`<section class="auth-card" aria-labelledby="sso-error-title">
  <div class="brand brand-large"><span class="brand-mark" aria-hidden="true"></span>Export Connector</div>
  <h1 id="sso-error-title">SSO sign-in failed</h1>
  <p class="form-error" role="alert" data-code="${code}">${message}</p>
  <p><a class="button primary wide" href="/sso/start">Try again</a></p>
  <p class="muted"><a href="/console/sign-in">Sign in with a password instead</a></p>
</section>`,
  });
}
