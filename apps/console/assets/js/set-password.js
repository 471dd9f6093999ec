// Set password: the one-time token is in the fragment of the link an admin handed over
// (`#token=pws_…`); it is read once, taken out of the address bar and history, and posted with
// the chosen password to POST /v1/auth/password-setup. Then the member is offered the sign-in.
import { $, el, showMessage } from './dom.js';

const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
history.replaceState(null, '', location.pathname);

const form = $('#set-password-form');
const errorLine = $('#set-password-error');
const done = $('#set-password-done');

if (!token) showMessage(errorLine, 'This link is incomplete. Open the whole link you were given.');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  showMessage(errorLine, '');
  const data = new FormData(form);
  const password = String(data.get('password') || '');
  if (password.length < 8) return showMessage(errorLine, 'Choose a password of at least 8 characters.');
  if (password !== String(data.get('repeat') || '')) return showMessage(errorLine, 'The two passwords differ.');
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const res = await fetch('/v1/auth/password-setup', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      credentials: 'omit',
      body: JSON.stringify({ token, password }),
    });
    const answer = await res.json().catch(() => ({}));
    if (!res.ok) return showMessage(errorLine, answer.detail || 'The password could not be set. Try again.');
    form.hidden = true;
    const signIn = el('a', {
      href: `/console/sign-in?group=${encodeURIComponent(answer.group)}`,
      text: `Sign in to ${answer.group}`,
    });
    done.replaceChildren(`Your password is set, ${answer.username}. `, signIn);
    done.hidden = false;
  } catch {
    showMessage(errorLine, 'The connector could not be reached. Check your connection and try again.');
  } finally {
    button.disabled = false;
  }
});
