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
import { API_REFERENCE_PATH } from './api-reference/page.ts';
import { docsPage } from './layout.ts';

/**
 * The pages every problem's `type` points at (RFC 9457 §3.1.1: a `type` that is a locator should
 * give human-readable documentation): one index of every code, and one page per code, rendered
 * from the registry (apps/core/error-codes.ts). Text only, escaped by `html`; the stylesheet is
 * the console's, so no inline style or script is needed (the CSP allows 'self' only).
 */

/** The index: every code, grouped by area, with its status and title (each table scrolls on its own on a narrow screen). */
export function errorIndexPage(): string {
  const areas = new Map<ErrorArea, ErrorCode[]>();
  for (const code of errorCodes()) {
    const area = ERROR_CODES[code].area;
    areas.set(area, [...(areas.get(area) ?? []), code]);
  }
  const sections = [...areas].map(
    ([area, codes]) => html`<section class="card">
<h2 class="card-head">${capitalize(area)}</h2>
<div class="table-scroll">
<table class="table">
<thead><tr><th scope="col">Code</th><th scope="col">Status</th><th scope="col">Title</th></tr></thead>
<tbody>
${codes.map(
  (code) =>
    html`<tr id="${code}"><td><a class="mono" href="${problemTypeUrl(code)}">${code}</a></td><td>${ERROR_CODES[code].status}</td><td>${ERROR_CODES[code].title}</td></tr>
`,
)}</tbody>
</table>
</div>
</section>
`,
  );
  return docsPage(
    'Error codes',
    html`<h1>Error codes</h1>
<p class="lede">Every error answer of the API is <code>application/problem+json</code> (RFC 9457):
<code>{type, title, status, detail, code}</code>, plus <code>errors[]</code> naming each field when the body is not valid.
Branch on <code>code</code>: it is stable. <code>detail</code> says what happened to this request; <code>type</code> links to the page of its code below.</p>
<p>Which route answers which code: the <a href="${API_REFERENCE_PATH}">API reference</a>.</p>
${sections}`,
  );
}

/** One code's page: its status, title and what to do about it. */
export function errorCodePage(code: ErrorCode): string {
  const info = errorInfo(code);
  return docsPage(
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

/** The description with its `backticked` parts as <code>, every part escaped. */
function withCode(text: string): SafeHtml[] {
  return text.split('`').map((part, i) => (i % 2 ? html`<code>${part}</code>` : html`${part}`));
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
