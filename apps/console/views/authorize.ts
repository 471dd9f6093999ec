import type { Privilege } from '../../core/groups/roles.ts';
import { html } from '../../http/views/html.ts';
import { layout, type ViewSession } from '../../http/views/layout.ts';
import { PRIVILEGE_WORDS } from './privilege-words.ts';

const card = (body: ReturnType<typeof html>) => html`<section class="auth-card" aria-labelledby="consent-title">
  <div class="brand brand-large"><span class="brand-mark" aria-hidden="true"></span>Export Connector</div>
  ${body}
</section>`;

/**
 * The consent page of a third-party app's authorization request: the app's name, what it may do
 * in plain words, and "Allow" / "Deny" (consent.js posts the choice). Nothing it could be given
 * (the member holds none of what it asks): only "Deny".
 */
export function consentPage(
  session: ViewSession,
  request: { uid: string; appName: string; privileges: Privilege[]; withheld: string[] },
): string {
  const none = request.privileges.length === 0;
  return layout({
    title: `Authorize ${request.appName}`,
    script: 'consent.js',
    session,
    bodyData: html`data-uid="${request.uid}"`,
    body: card(html`<h1 id="consent-title">Authorize ${request.appName}</h1>
  <p class="muted"><strong>${request.appName}</strong> asks to act for you (${session.username}) in the group ${session.groupName}.</p>
  ${
    none
      ? html`<p class="notice" role="status">It asks for nothing you can give it.</p>`
      : html`<p>If you allow it, it will be able to:</p>
  <ul class="consent-privileges" id="consent-privileges">${request.privileges.map(
    (p) => html`<li data-privilege="${p}">${PRIVILEGE_WORDS[p]}</li>`,
  )}</ul>`
  }
  ${
    request.withheld.length
      ? html`<p class="muted" id="consent-withheld">It also asked for what you or the app may not do (${request.withheld.join(', ')}): it will not get it.</p>`
      : html``
  }
  <p class="muted">You can withdraw this at any time; it never sees your password.</p>
  <p class="form-error" id="consent-error" role="alert" hidden></p>
  <div class="actions">
    ${none ? html`` : html`<button class="button primary" type="button" id="consent-allow">Allow</button>`}
    <button class="button" type="button" id="consent-deny">Deny</button>
  </div>`),
  });
}

/** The app belongs to another group than the one the member is signed in to. */
export function otherGroupPage(session: ViewSession, request: { uid: string; appName: string }): string {
  return layout({
    title: `Authorize ${request.appName}`,
    script: 'consent.js',
    session,
    bodyData: html`data-uid="${request.uid}"`,
    body: card(html`<h1 id="consent-title">Authorize ${request.appName}</h1>
  <p class="notice" role="status">${request.appName} is registered for another group than ${session.groupName}, the one you are signed in to. Sign out and sign in to that group to authorize it.</p>
  <p class="form-error" id="consent-error" role="alert" hidden></p>
  <div class="actions"><button class="button" type="button" id="consent-deny">Deny</button></div>`),
  });
}

/** The request behind the page has ended (expired, finished, or started in another browser). */
export function consentEndedPage(): string {
  return layout({
    title: 'Authorization ended',
    body: card(html`<h1 id="consent-title">This authorization request has ended</h1>
  <p class="muted">It was finished, expired, or started in another browser. Go back to the app and start again.</p>`),
  });
}
