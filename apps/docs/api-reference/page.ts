import { ERROR_PAGES_PATH, type ErrorCode, isErrorCode, problemTypeUrl } from '../../core/error-codes.ts';
import { html, type SafeHtml } from '../../http/views/html.ts';
import { docsPage } from '../layout.ts';
import { type Resolve, type Schema, schemaBlock, withCode } from './schema-view.ts';

/** Where the reference page is served (apps/docs/router.ts). */
export const API_REFERENCE_PATH = '/docs/api';

// The API reference, rendered on the server from the OpenAPI document (apps/api/openapi/). It is
// rendered here rather than by Redoc, Scalar or Swagger UI because those set inline styles and
// build their pages with scripts (Redoc and Swagger UI also compile schemas with `new Function`),
// which the connector's Content-Security-Policy (apps/http/security-headers.ts: 'self' scripts and
// styles only, no inline, no eval) refuses; they also load fonts from CDNs. Plain HTML needs none
// of that, works without JavaScript, and stays readable at 390 px.

/** The parts of the document the page reads. */
export interface OpenApiDocument {
  info: { title: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths?: Record<string, Record<string, Operation | undefined>>;
  components?: { schemas?: Record<string, Schema>; securitySchemes?: Record<string, SecurityScheme> };
}

interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  'x-privilege'?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; required?: boolean; description?: string; schema?: Schema }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}

interface SecurityScheme {
  type: string;
  scheme?: string;
  in?: string;
  name?: string;
  description?: string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const SCHEME_NAMES: Record<string, string> = {
  bearerToken: 'Bearer token',
  consoleSession: 'Console session cookie',
  csrfToken: 'X-CSRF-Token',
  apiKeySignature: 'API key signature',
  thirdPartyApps: 'Third-party app token',
};

/** The whole page: how to authenticate, then every operation grouped by tag. */
export function apiReferencePage(document: OpenApiDocument, documentUrl: string): string {
  const resolve = resolver(document);
  const operations = listOperations(document);
  const tags = (document.tags ?? []).filter((tag) => operations.some((op) => op.tag === tag.name));
  const body = html`<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="${ERROR_PAGES_PATH}">Error codes</a><span aria-hidden="true">/</span><span>API reference</span></nav>
<h1>API reference</h1>
<p class="lede">${withCode(document.info.description ?? '')}</p>
<p>The machine-readable description: <a href="${documentUrl}">${documentUrl}</a> (OpenAPI 3.1), from which clients can be generated.</p>
<nav class="card api-toc" aria-labelledby="toc-title">
<h2 id="toc-title">Contents</h2>
<ul>
<li><a href="#how-to-authenticate">How to authenticate</a></li>
${tags.map((tag) => html`<li><a href="#${slug(tag.name)}">${tag.name}</a></li>\n`)}</ul>
</nav>
${authentication(document)}
${tags.map((tag) =>
  section(
    tag,
    operations.filter((op) => op.tag === tag.name),
    resolve,
  ),
)}`;
  return docsPage('API reference', body);
}

interface ListedOperation {
  method: string;
  path: string;
  tag: string;
  operation: Operation;
}

function listOperations(document: OpenApiDocument): ListedOperation[] {
  const list: ListedOperation[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) list.push({ method, path, tag: operation.tags?.[0] ?? 'Other', operation });
    }
  }
  return list;
}

function resolver(document: OpenApiDocument): Resolve {
  const schemas = document.components?.schemas ?? {};
  return (ref) => {
    const name = decodeURIComponent(ref.replace('#/components/schemas/', ''));
    const schema = schemas[name];
    return schema ? { name, schema } : undefined;
  };
}

function authentication(document: OpenApiDocument): SafeHtml {
  const schemes = Object.entries(document.components?.securitySchemes ?? {});
  return html`<section class="card api-section" aria-labelledby="how-to-authenticate">
<h2 id="how-to-authenticate">How to authenticate</h2>
<p>Each operation below names the credentials it takes and the privilege it needs (docs/api/authentication.md).</p>
<dl class="api-schemes">
${schemes.map(
  ([id, scheme]) => html`<dt>${SCHEME_NAMES[id] ?? id}</dt><dd>${withCode(scheme.description ?? '')}</dd>
`,
)}</dl>
</section>
`;
}

function section(tag: { name: string; description?: string }, operations: ListedOperation[], resolve: Resolve) {
  return html`<section class="api-section" aria-labelledby="${slug(tag.name)}">
<h2 id="${slug(tag.name)}">${tag.name}</h2>
${tag.description ? html`<p class="muted">${tag.description}</p>` : ''}
${operations.map((op) => operationCard(op, resolve))}
</section>
`;
}

function operationCard({ method, path, operation }: ListedOperation, resolve: Resolve): SafeHtml {
  const id = operation.operationId ?? slug(`${method} ${path}`);
  const answers = Object.entries(operation.responses ?? {});
  const successes = answers.filter(([status]) => Number(status) < 400);
  const problems = answers.filter(([status]) => Number(status) >= 400);
  return html`<article class="card api-operation" aria-labelledby="${id}">
<h3 id="${id}"><span class="api-method api-method-${method}">${method.toUpperCase()}</span> <code class="api-path">${path}</code></h3>
<p class="api-summary">${withCode(operation.summary ?? '')}</p>
${operation.description ? html`<p>${withCode(operation.description)}</p>` : ''}
<dl class="api-facts">
<dt>Credentials</dt><dd>${credentials(operation)}</dd>
${operation['x-privilege'] ? html`<dt>Privilege</dt><dd><code>${operation['x-privilege']}</code></dd>` : ''}
</dl>
${parameters(operation, resolve)}
${requestBody(operation, resolve)}
<h4>Answers</h4>
<ul class="api-answers">
${successes.map(
  ([status, answer]) => html`<li><span class="api-status">${status}</span> ${answer.description ?? ''}${
    answer.content?.['application/json']?.schema
      ? schemaBlock(answer.content['application/json'].schema as Schema, resolve)
      : ''
  }</li>
`,
)}</ul>
<h4>Problems <span class="muted small">(application/problem+json)</span></h4>
<dl class="api-problems">
${problems.map(
  ([status, answer]) => html`<dt>${status}</dt><dd>${problemCodes(
    answer.content?.['application/problem+json']?.schema,
  ).map((code, i) => html`${i ? ', ' : ''}<a class="mono" href="${problemTypeUrl(code)}">${code}</a>`)}</dd>
`,
)}</dl>
</article>
`;
}

function credentials(operation: Operation): SafeHtml | string {
  const requirements = operation.security ?? [];
  if (!requirements.length) return 'None: public';
  return html`${requirements.map((requirement, i) => {
    const names = Object.entries(requirement).map(([id, scopes]) =>
      scopes.length ? `${SCHEME_NAMES[id] ?? id} (scope ${scopes.join(' ')})` : (SCHEME_NAMES[id] ?? id),
    );
    return html`${i ? html`<span class="muted"> or </span>` : ''}<span class="api-credential">${names.join(' + ')}</span>`;
  })}`;
}

function parameters(operation: Operation, resolve: Resolve): SafeHtml | string {
  const list = operation.parameters ?? [];
  if (!list.length) return '';
  return html`<h4>Parameters</h4>
<ul class="fields">
${list.map(
  (param) => html`<li><code class="field-name">${param.name}</code> <span class="field-in">in ${param.in}</span>${
    param.required ? html` <span class="field-required">required</span>` : ''
  }${param.schema ? schemaBlock(param.schema, resolve, 4) : ''}${
    param.description && param.description !== param.schema?.description
      ? html`<span class="field-description">${withCode(param.description)}</span>`
      : ''
  }</li>
`,
)}</ul>
`;
}

function requestBody(operation: Operation, resolve: Resolve): SafeHtml | string {
  const schema = operation.requestBody?.content?.['application/json']?.schema;
  if (!schema) return '';
  const required = operation.requestBody?.required ? 'required' : 'optional';
  return html`<h4>Body <span class="muted small">(application/json, ${required})</span></h4>
${schemaBlock(schema, resolve)}
`;
}

/** The codes a problem answer's schema names: one `Problem.<CODE>` component, or any of several. */
function problemCodes(schema: Schema | undefined): ErrorCode[] {
  if (!schema) return [];
  const refs = schema.$ref ? [schema] : (schema.anyOf ?? schema.oneOf ?? []);
  return refs
    .map((ref) => decodeURIComponent(ref.$ref ?? '').replace('#/components/schemas/Problem.', ''))
    .filter((code): code is ErrorCode => isErrorCode(code));
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
