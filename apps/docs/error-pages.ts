import {
  ERROR_CODES,
  ERROR_PAGES_PATH,
  type ErrorArea,
  type ErrorCode,
  errorCodes,
  errorInfo,
  problemTypeUrl,
} from '../core/error-codes.ts';
import { html, type SafeHtml } from '../http/views/html.ts';

/**
 * The pages every problem's `type` points at (RFC 9457 §3.1.1: a `type` that is a locator should
 * give human-readable documentation): one index of every code, and one page per code, rendered
 * from the registry (apps/core/error-codes.ts). Text only, escaped by `html`; the stylesheet is
 * the console's, so no inline style or script is needed (the CSP allows 'self' only).
 */

const STYLESHEET = '/console/assets/console.css';

/** The index: every code, grouped by area, with its status and title. */
export function errorIndexPage(): string {
  const areas = new Map<ErrorArea, ErrorCode[]>();
  for (const code of errorCodes()) {
    const area = ERROR_CODES[code].area;
    areas.set(area, [...(areas.get(area) ?? []), code]);
  }
  const sections = [...areas].map(
    ([area, codes]) => html`<section class="card">
<h2 class="card-head">${capitalize(area)}</h2>
<table class="table">
<thead><tr><th scope="col">Code</th><th scope="col">Status</th><th scope="col">Title</th></tr></thead>
<tbody>
${codes.map(
  (code) =>
    html`<tr id="${code}"><td><a class="mono" href="${problemTypeUrl(code)}">${code}</a></td><td>${ERROR_CODES[code].status}</td><td>${ERROR_CODES[code].title}</td></tr>
`,
)}</tbody>
</table>
</section>
`,
  );
  return page(
    'Error codes',
    html`<h1>Error codes</h1>
<p class="lede">Every error answer of the API is <code>application/problem+json</code> (RFC 9457):
<code>{type, title, status, detail, code}</code>, plus <code>errors[]</code> naming each field when the body is not valid.
Branch on <code>code</code>: it is stable. <code>detail</code> says what happened to this request; <code>type</code> links to the page of its code below.</p>
${sections}`,
  );
}

/** One code's page: its status, title and what to do about it. */
export function errorCodePage(code: ErrorCode): string {
  const info = errorInfo(code);
  return page(
    `${code} · Error codes`,
    html`<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="${ERROR_PAGES_PATH}">Error codes</a><span aria-hidden="true">/</span><span>${capitalize(info.area)}</span></nav>
<h1 class="mono">${code}</h1>
<dl>
<dt>HTTP status</dt><dd>${info.status}</dd>
<dt>Title</dt><dd>${info.title}</dd>
</dl>
<p>${withCode(info.description)}</p>
<p class="muted">The answer's <code>detail</code> says what happened to that one request.</p>`,
  );
}

function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Export Connector</title>
<link rel="stylesheet" href="${STYLESHEET}">
</head>
<body class="app">
<main class="page" id="main">
${body}
</main>
</body>
</html>
`.value;
}

/** The description with its `backticked` parts as <code>, every part escaped. */
function withCode(text: string): SafeHtml[] {
  return text.split('`').map((part, i) => (i % 2 ? html`<code>${part}</code>` : html`${part}`));
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
