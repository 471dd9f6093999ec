import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { z } from 'zod';
import { ERROR_CODES } from '../../core/error-codes.ts';
import { PRIVILEGES } from '../../core/groups/roles.ts';
import { OAUTH2_PREFIX } from '../../core/auth/apps/authorization-server.ts';
import { codesByStatus, problemCodes, problemSchema } from './problems.ts';
import { openApiPath, type RouteDoc, TAGS } from './registry.ts';
import { ACCESS_ROUTES } from './routes-access.ts';
import { EXPORT_ROUTES, openApiDocumentAnswer } from './routes-exports.ts';

/** Where the document is served (apps/api/routes/v1/index.ts). */
export const OPENAPI_PATH = '/v1/openapi.json';

const OPENAPI_ROUTE: RouteDoc = {
  method: 'GET',
  path: OPENAPI_PATH,
  tag: 'Discovery',
  summary: 'This OpenAPI 3.1 description of every /v1 route',
  description: 'Public. Cached for an hour and validated by its `ETag` (`If-None-Match` answers 304).',
  access: 'public',
  answers: {
    200: { description: 'The document', schema: openApiDocumentAnswer },
    304: { description: 'Not modified since the `ETag` sent in `If-None-Match`' },
  },
};

/** Every /v1 route the document describes; the integration test compares them with the router's. */
export const V1_ROUTES: RouteDoc[] = [...ACCESS_ROUTES, ...EXPORT_ROUTES, OPENAPI_ROUTE];

/** Path parameters by name: what each `:name` of a route path is. */
const PATH_PARAMETERS: Record<string, string> = {
  id: 'The id of the resource the path names (e.g. `exp_…` after /exports, `dlv_…` after /deliveries)',
  exportId: 'The export’s id (`exp_…`)',
  group: 'The group’s name or id: the credential’s own group (any other answers 404)',
  username: 'The member’s username',
};

/** The names of the security schemes (components.securitySchemes). */
const SCHEME = {
  bearer: 'bearerToken',
  cookie: 'consoleSession',
  csrf: 'csrfToken',
  signature: 'apiKeySignature',
  apps: 'thirdPartyApps',
} as const;

/**
 * Builds the OpenAPI 3.1 document of the /v1 API with zod-openapi from the route registry, whose
 * request schemas are the ones the routes validate with. `publicUrl` (PUBLIC_URL) makes the
 * server, the OAuth endpoints and every problem `type` absolute, as the answers write them.
 */
export function buildOpenApiDocument(publicUrl: string): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of V1_ROUTES) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route, publicUrl) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'OAuth export connector API',
      version: '1',
      description:
        'JSON under `/v1`, for one group at a time (docs/api/README.md). Errors are `application/problem+json` (RFC 9457) whose `type` is the page of their `code`; the reference page is at `/docs/api`.',
    },
    ...(publicUrl ? { servers: [{ url: publicUrl }] } : {}),
    tags: TAGS.map((tag) => ({ ...tag })),
    paths,
    components: { securitySchemes: securitySchemes(publicUrl) },
  });
}

function operation(route: RouteDoc, publicUrl: string): ZodOpenApiOperationObject {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
  const pathParams = names.length
    ? z.object(
        Object.fromEntries(names.map((name) => [name, z.string().min(1).meta({ description: PATH_PARAMETERS[name] })])),
      )
    : undefined;
  return {
    operationId: operationId(route),
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.privilege ? { 'x-privilege': route.privilege } : {}),
    security: security(route),
    ...(pathParams || route.query
      ? {
          requestParams: {
            ...(pathParams ? { path: pathParams } : {}),
            ...(route.query ? { query: route.query as z.ZodObject } : {}),
          },
        }
      : {}),
    ...(route.body
      ? { requestBody: { required: !route.bodyOptional, content: { 'application/json': { schema: route.body } } } }
      : {}),
    responses: { ...answers(route), ...problems(route, publicUrl) },
  };
}

function answers(route: RouteDoc): ZodOpenApiOperationObject['responses'] {
  const responses: ZodOpenApiOperationObject['responses'] = {};
  for (const [status, answer] of Object.entries(route.answers)) {
    if (!answer) continue;
    responses[status as `${1 | 2 | 3}${string}`] = {
      description: answer.description,
      ...(answer.location ? { headers: z.object({ Location: z.string().meta({ description: 'Where to go' }) }) } : {}),
      ...(answer.schema ? { content: { 'application/json': { schema: answer.schema } } } : {}),
      ...(answer.text ? { content: { 'text/plain': { schema: z.string().meta({ description: answer.text }) } } } : {}),
    };
  }
  return responses;
}

function problems(route: RouteDoc, publicUrl: string): ZodOpenApiOperationObject['responses'] {
  const responses: ZodOpenApiOperationObject['responses'] = {};
  for (const [status, codes] of codesByStatus(problemCodes(route))) {
    responses[`${status}` as `${4 | 5}${string}`] = {
      description: codes.map((code) => `\`${code}\`: ${ERROR_CODES[code].title}`).join('; '),
      content: { 'application/problem+json': { schema: problemSchema(codes, publicUrl) } },
    };
  }
  return responses;
}

/**
 * Who may call: a token, the console session (with `X-CSRF-Token` on changes), an API key's
 * signature (not on member-only routes) or a third-party app's token with the route's privilege.
 */
function security(route: RouteDoc): Record<string, string[]>[] {
  if (route.access === 'public') return [];
  const change = route.method !== 'GET';
  return [
    { [SCHEME.bearer]: [] },
    change ? { [SCHEME.cookie]: [], [SCHEME.csrf]: [] } : { [SCHEME.cookie]: [] },
    ...(route.access === 'member' ? [] : [{ [SCHEME.signature]: [] }]),
    { [SCHEME.apps]: route.privilege ? [route.privilege] : [] },
  ];
}

function securitySchemes(publicUrl: string) {
  return {
    [SCHEME.bearer]: {
      type: 'http' as const,
      scheme: 'bearer',
      description:
        'An authorization token from `POST /v1/auth/token` (valid for one group, 1–120 minutes), sent as `Authorization: Bearer <token>`.',
    },
    [SCHEME.cookie]: {
      type: 'apiKey' as const,
      in: 'cookie' as const,
      name: 'authtoken',
      description: 'The console’s HttpOnly session cookie, set by `POST /v1/auth/session` or the console’s sign-in.',
    },
    [SCHEME.csrf]: {
      type: 'apiKey' as const,
      in: 'header' as const,
      name: 'X-CSRF-Token',
      description: 'With the session cookie, every change sends the CSRF token the session answered.',
    },
    [SCHEME.signature]: {
      type: 'apiKey' as const,
      in: 'header' as const,
      name: 'Authorization',
      description:
        'A server API key’s signature: `Authorization: Signature keyId=<id>,ts=<unix seconds>,nonce=<random>,sig=<hex HMAC-SHA256>` over `METHOD\\nPATH?QUERY\\nts\\nnonce\\nhex SHA-256 of the body` with the key’s secret; 5-minute window, each nonce once (docs/api/keys-partners-sso.md).',
    },
    [SCHEME.apps]: {
      type: 'oauth2' as const,
      description:
        'Third-party apps (docs/api/third-party-apps.md): authorization code with PKCE S256 (required); `scope` is space-separated privileges. The access token is sent as a Bearer token and acts for the consenting member’s group with the privileges requested ∩ the app’s ∩ the member’s role. Metadata: `/.well-known/oauth-authorization-server` (RFC 8414).',
      flows: {
        authorizationCode: {
          authorizationUrl: `${publicUrl}${OAUTH2_PREFIX}/authorize`,
          tokenUrl: `${publicUrl}${OAUTH2_PREFIX}/token`,
          refreshUrl: `${publicUrl}${OAUTH2_PREFIX}/token`,
          scopes: Object.fromEntries(PRIVILEGES.map((privilege) => [privilege, `The privilege ${privilege}`])),
        },
      },
    },
  };
}

/** `GET /v1/exports/:id/oauth` → `getExportsByIdOauth`: stable, unique, readable in generated clients. */
function operationId(route: RouteDoc): string {
  const words = route.path
    .replace(/^\/v1\//, '')
    .split(/[/.-]/)
    .filter(Boolean)
    .map((part) => (part.startsWith(':') ? `By${capitalize(part.slice(1))}` : capitalize(part)));
  return route.method.toLowerCase() + words.join('');
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const built = new Map<string, { document: ReturnType<typeof createDocument>; json: string }>();

/** The document for a PUBLIC_URL, built once (the registry does not change while the process runs). */
export function openApiDocument(publicUrl: string): { document: ReturnType<typeof createDocument>; json: string } {
  let entry = built.get(publicUrl);
  if (!entry) {
    const document = buildOpenApiDocument(publicUrl);
    entry = { document, json: JSON.stringify(document) };
    built.set(publicUrl, entry);
  }
  return entry;
}
