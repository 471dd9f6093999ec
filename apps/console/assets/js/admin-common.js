// What the Settings pages share: the group's API path, the words for the API's refusals, the
// "you cannot see this" state for a 403, and a secret shown once.
import { seg } from './api.js';
import { can, showMessage } from './dom.js';
import { showSecretOnce } from './secret.js';

/** `/v1/groups/<the signed-in group>` + suffix (the API takes the group's id or name). */
export const groupPath = (suffix = '') => `/v1/groups/${seg(document.body.dataset.groupId)}${suffix}`;

/** The signed-in member's username (to mark their own row). */
export const me = () => document.body.dataset.username || '';

/** Plain words for the refusals a Settings action can meet (codes: docs/api/groups-and-members.md). */
export function refusalWords(error, subject) {
  if (error.code === 'LAST_ADMIN') {
    return `${subject} is the group’s last admin. Make another member an admin first: a group always keeps one.`;
  }
  if (error.code === 'PRIVILEGE_EXCEEDED') {
    return 'You cannot give more than you hold yourself, nor change someone who holds more than you.';
  }
  if (error.status === 403) return 'Your role does not allow this.';
  if (error.status === 404) return `${subject} no longer exists: reload the page.`;
  return error.message;
}

/**
 * Loads a list the member may not be allowed to read. Without the privilege (or on a 403) the
 * page says so in `unreadable` instead of calling or failing; `load` runs otherwise.
 */
export async function loadIfReadable({ privilege, unreadable, table, what, load }) {
  const refuse = () => {
    table.hidden = true;
    showMessage(unreadable, `Only admins can see ${what}.`);
  };
  if (!can(privilege)) return refuse();
  try {
    await load();
  } catch (error) {
    if (error.status === 401) return;
    if (error.status === 403) return refuse();
    table.hidden = true;
    showMessage(document.getElementById('page-error'), `The ${what} could not be loaded: ${error.message}`);
  }
}

/** Shows a secret once (secret.js) with what to do if it is lost, and brings it into view. */
export function showSecret(container, secret, label, ifLost) {
  showSecretOnce(container, secret, label);
  const warning = container.querySelector('.hint.warn');
  if (warning) warning.textContent = `Copy it now: it is shown only this once. ${ifLost}`;
}
