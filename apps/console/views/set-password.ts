import { html } from '../../http/views/html.ts';
import { layout } from '../../http/views/layout.ts';

/**
 * The page a member's one-time `setPasswordUrl` opens: the token stays in the URL fragment (never
 * sent to the server by the browser); set-password.js reads it and posts it with the password.
 */
export function setPasswordPage(): string {
  return layout({
    title: 'Choose your password',
    script: 'set-password.js',
    body: html`<section class="auth-card" aria-labelledby="set-password-title">
  <div class="brand brand-large"><span class="brand-mark" aria-hidden="true"></span>Export Connector</div>
  <h1 id="set-password-title">Choose your password</h1>
  <p class="muted">An admin of your group added you. Choose the password you will sign in with.</p>
  <form id="set-password-form" class="form" novalidate>
    <div class="field">
      <label for="new-password">New password</label>
      <input id="new-password" name="password" type="password" autocomplete="new-password" minlength="8" required autofocus>
      <p class="hint">At least 8 characters.</p>
    </div>
    <div class="field">
      <label for="repeat-password">Repeat the password</label>
      <input id="repeat-password" name="repeat" type="password" autocomplete="new-password" required>
    </div>
    <p class="form-error" id="set-password-error" role="alert" hidden></p>
    <button class="button primary wide" type="submit">Set password</button>
  </form>
  <p class="notice" id="set-password-done" role="status" hidden></p>
</section>`,
  });
}
