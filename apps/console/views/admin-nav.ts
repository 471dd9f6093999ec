import { html, type SafeHtml } from '../../http/views/html.ts';

/** The Settings pages, in the order the Settings index and the side navigation show them. */
export const ADMIN_PAGES = [
  { key: 'members', label: 'Members', description: 'Who belongs to the group and with which role.' },
  {
    key: 'api-keys',
    label: 'API keys',
    description: 'Keys that servers use to sign requests; each secret is shown once.',
  },
  { key: 'partners', label: 'Partners', description: 'Partner accounts whose users act in this group.' },
  { key: 'sso', label: 'Single sign-on', description: 'Sign in through the company’s OpenID Connect provider.' },
  { key: 'origins', label: 'Trusted origins', description: 'Web pages that may call the API from a browser.' },
  {
    key: 'notifications',
    label: 'Notifications',
    description: 'Where the group hears of exports that need attention.',
  },
  { key: 'apps', label: 'Apps', description: 'Third-party apps, and the apps you allowed to act for you.' },
  { key: 'audit', label: 'Audit log', description: 'Who did what, and what was refused.' },
] as const;

export type AdminPageKey = (typeof ADMIN_PAGES)[number]['key'];

/** The side navigation of the Settings pages, the current one marked for assistive technology. */
export function adminNav(current: AdminPageKey | 'index'): SafeHtml {
  return html`<nav class="admin-nav" aria-label="Settings">
  <a href="/console/admin"${current === 'index' ? html` aria-current="page"` : html``}>Overview</a>
  ${ADMIN_PAGES.map(
    (p) =>
      html`<a href="/console/admin/${p.key}"${p.key === current ? html` aria-current="page"` : html``}>${p.label}</a>`,
  )}
</nav>`;
}
