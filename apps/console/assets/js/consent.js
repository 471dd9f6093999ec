// A third-party app's consent page: "Allow" or "Deny" is posted to the console (session cookie and
// X-CSRF-Token, api.js), which answers where the browser goes next: back to the authorization
// server, which redirects to the app. A navigation, not a form post, so no form-action rule
// stands between the page and the app's redirect URI.
import { api } from './api.js';
import { $, showMessage } from './dom.js';

const uid = document.body.dataset.uid;
const errorLine = $('#consent-error');

async function decide(decision, button) {
  showMessage(errorLine, '');
  for (const b of document.querySelectorAll('.actions .button')) b.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    const answer = await api('POST', `/console/authorize/${encodeURIComponent(uid)}`, { decision });
    location.assign(answer.redirectTo);
  } catch (error) {
    showMessage(errorLine, error.message);
    for (const b of document.querySelectorAll('.actions .button')) b.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

for (const [id, decision] of [
  ['#consent-allow', 'allow'],
  ['#consent-deny', 'deny'],
]) {
  const button = $(id);
  if (button) button.addEventListener('click', () => decide(decision, button));
}
