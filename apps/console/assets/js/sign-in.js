// Sign-in: POST /console/session with username and password (and the group once the server says
// the member has several). The server sets the session cookies; the page then goes back to
// where the manager was (`next`, checked again by the server to stay under /console/).
import { $, el, showMessage } from './dom.js';

const form = $('#sign-in-form');
const errorLine = $('#sign-in-error');
const groupField = $('#group-field');
const groupSelect = $('#group');

function showGroups(groups) {
  groupSelect.replaceChildren(
    el('option', { value: '', text: 'Choose a group…' }),
    ...groups.map((g) => el('option', { value: g.name, text: g.role ? `${g.name} (${g.role})` : g.name })),
  );
  groupField.hidden = false;
  groupSelect.focus();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  showMessage(errorLine, '');
  const data = new FormData(form);
  const body = { username: String(data.get('username') || '').trim(), password: String(data.get('password') || '') };
  if (!body.username || !body.password) return showMessage(errorLine, 'Enter your username and password.');
  if (!groupField.hidden) {
    const group = String(data.get('group') || '');
    if (!group) return showMessage(errorLine, 'Choose the group to work in.');
    body.group = group;
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    const res = await fetch('/console/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ ...body, next: String(data.get('next') || '') }),
    });
    const answer = await res.json().catch(() => ({}));
    if (res.ok) return location.assign(answer.next || '/console/exports');
    if (res.status === 409 && Array.isArray(answer.groups)) {
      showGroups(answer.groups);
      return showMessage(errorLine, answer.detail || 'Choose the group to work in.');
    }
    if (res.status === 429) {
      const wait = Number(res.headers.get('retry-after'));
      const after = wait > 0 ? ` Try again in ${Math.ceil(wait / 60)} min.` : ' Try again later.';
      return showMessage(errorLine, `Too many failed sign-ins.${after}`);
    }
    showMessage(errorLine, answer.detail || 'Sign-in failed. Try again.');
    if (res.status === 401) $('#password').select();
  } catch {
    showMessage(errorLine, 'The connector could not be reached. Check your connection and try again.');
  } finally {
    button.disabled = false;
  }
});
