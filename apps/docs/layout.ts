import { html, type SafeHtml } from '../http/views/html.ts';

/** The console's stylesheet: the docs pages look like the console and need no inline style. */
const CONSOLE_STYLESHEET = '/console/assets/console.css';
/** The docs pages' own additions (apps/docs/assets/docs.css, served by apps/docs/router.ts). */
export const DOCS_STYLESHEET = '/docs/assets/docs.css';

/**
 * A page of the connector's own documentation under `/docs`: text only, escaped by `html`, and
 * stylesheets served by the connector, as the CSP ('self' only, no inline) requires.
 */
export function docsPage(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Export Connector</title>
<link rel="stylesheet" href="${CONSOLE_STYLESHEET}">
<link rel="stylesheet" href="${DOCS_STYLESHEET}">
</head>
<body class="app">
<main class="page" id="main">
${body}
</main>
</body>
</html>
`.value;
}
