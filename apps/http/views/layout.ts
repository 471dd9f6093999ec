import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler } from 'express';
import { html, type SafeHtml } from './html.ts';

/**
 * PUBLIC_URL's origin for the request being answered. Pages are rendered deep inside route
 * handlers that have no configuration at hand, and one process may run several connectors (the
 * tests do), so the origin travels with the request rather than in a module variable.
 */
const publicOrigin = new AsyncLocalStorage<string>();

/** Middleware: pages rendered while answering this request carry `publicUrl`'s origin (see origin-check.js). */
export function renderPagesFor(publicUrl: string): RequestHandler {
  const origin = new URL(publicUrl).origin;
  return (_req, _res, next) => publicOrigin.run(origin, next);
}

/** Who is signed in, shown in the top bar. */
export interface ViewSession {
  username: string;
  groupName: string;
  privileges: readonly string[];
}

export interface PageOptions {
  title: string;
  /** The page's ES module under /console/assets/js/ (no inline scripts: the CSP forbids them). */
  script?: string;
  session?: ViewSession;
  body: SafeHtml;
  /** Extra attributes for <body>, already escaped by `html`. */
  bodyData?: SafeHtml;
  /** Extra stylesheets under /console/assets/ beside console.css (a page family's own rules). */
  styles?: readonly string[];
  /** The top bar's entry to mark as the current one. */
  section?: 'exports' | 'deliveries' | 'admin';
}

const ASSETS = '/console/assets';

/** The HTML document every console page shares: head, top bar with the account, and the page body. */
export function layout(page: PageOptions): string {
  const session = page.session;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${page.title} · Export Connector</title>
<link rel="icon" href="${ASSETS}/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${ASSETS}/console.css">
${(page.styles ?? []).map((sheet) => html`<link rel="stylesheet" href="${ASSETS}/${sheet}">`)}
${page.script ? html`<script type="module" src="${ASSETS}/js/${page.script}"></script>` : html``}
<script type="module" src="${ASSETS}/js/origin-check.js"></script>
</head>
<body class="${session ? 'app' : 'bare'}" data-privileges="${session?.privileges.join(' ') ?? ''}" data-public-origin="${publicOrigin.getStore() ?? ''}" ${page.bodyData}>
${session ? topBar(session, page.section) : html``}
<main class="page" id="main">
${page.body}
</main>
</body>
</html>
`.value;
}

const SECTIONS = [
  { key: 'exports', href: '/console/exports', label: 'Exports' },
  { key: 'deliveries', href: '/console/deliveries', label: 'Deliveries' },
  { key: 'admin', href: '/console/admin', label: 'Settings' },
] as const;

function topBar(session: ViewSession, current: PageOptions['section']): SafeHtml {
  return html`<header class="topbar">
  <a class="brand" href="/console/exports"><span class="brand-mark" aria-hidden="true"></span>Export Connector</a>
  <nav class="topnav" aria-label="Main">
    ${SECTIONS.map((s) => html`<a href="${s.href}"${s.key === current ? html` aria-current="page"` : html``}>${s.label}</a>`)}
  </nav>
  <div class="account">
    <span class="account-group" title="Group">${session.groupName}</span>
    <span class="account-user" title="Signed in as">${session.username}</span>
    <button type="button" class="button quiet small" id="sign-out">Sign out</button>
  </div>
</header>`;
}
