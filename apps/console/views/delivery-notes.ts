import { html, type SafeHtml } from '../../http/views/html.ts';
import type { ViewSession } from '../../http/views/layout.ts';

/**
 * A line telling a member without `privilege` why the page's buttons are disabled (forms.js disables
 * each control carrying data-requires); nothing for a member who holds it.
 */
export function readOnlyNote(session: ViewSession, privilege: string, text: string): SafeHtml {
  if (session.privileges.includes(privilege)) return html``;
  return html`<p class="notice read-only" id="read-only-note">${text}</p>`;
}
