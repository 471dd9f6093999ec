// What the Settings pages Single sign-on, Notifications, Apps and Audit log share: the group's
// API path, the line shown when the API refuses to let the member read a section, and times.
import { seg } from './api.js';
import { el, formatTime, showMessage } from './dom.js';

/** `/v1/groups/<the signed-in member's group>` (the page shell names the group: admin-int-page.ts). */
export const groupPath = `/v1/groups/${seg(document.body.dataset.group)}`;

/**
 * Shows why a section could not be loaded in `node`: a 403 means the member's role does not let
 * them read it, which is said as such rather than as a failure. 401 already went to sign-in.
 */
export function showLoadError(node, error, what) {
  if (error.status === 401) return;
  const text =
    error.status === 403
      ? `Your role does not let you see ${what}. Ask an admin of your group if you need to.`
      : `${what[0].toUpperCase()}${what.slice(1)} could not be loaded: ${error.message}`;
  showMessage(node, text);
}

/** A `<time>` to the second in the viewer's time zone, the exact instant in `datetime` and its tooltip. */
export function timeCell(iso) {
  if (!iso) return el('span', { class: 'muted' }, '—');
  return el('time', { datetime: iso, title: iso }, formatTime(iso));
}

/** Puts "Saved" (or another word) in a status line for a few seconds. */
export function flash(node, text) {
  node.textContent = text;
  setTimeout(() => {
    if (node.textContent === text) node.textContent = '';
  }, 4000);
}

/** Splits a textarea's value into its entries: one per line, or separated by commas. */
export function entriesOf(value) {
  return value
    .split(/[\n,]/)
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** A table cell that carries its column's name for the narrow layout (admin-integrations.css). */
export function cell(tag, label, attrs, ...children) {
  return el(tag, { ...attrs, 'data-label': label }, ...children);
}

/** Marks the page as filled once its first loads have settled (tests and scripts wait for `body[data-ready]`). */
export async function markReady(...loads) {
  await Promise.allSettled(loads);
  document.body.dataset.ready = 'true';
}
