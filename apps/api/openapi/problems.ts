import { z } from 'zod';
import { ERROR_CODES, type ErrorCode, type ErrorStatus, problemTypeUrl } from '../../core/error-codes.ts';
import type { RouteDoc } from './registry.ts';

// Which problem codes a route can answer (apps/core/error-codes.ts), from what the route is: the
// codes every /v1 route shares, those its credential check, body, query and path parameters give,
// and the route's own (RouteDoc.problems).

/** Any /v1 request: a credential in the URL (apps/http/credentials-in-url.ts), an outage, a bug. */
const EVERY_ROUTE: ErrorCode[] = ['CREDENTIALS_IN_URL', 'DEPENDENCY_UNAVAILABLE', 'INTERNAL'];

/** Any body sent is parsed by /v1's JSON parser before the route (apps/api/routes/v1/index.ts). */
const ANY_BODY: ErrorCode[] = ['MALFORMED_JSON', 'BAD_REQUEST', 'PAYLOAD_TOO_LARGE'];

/** POST, PUT and PATCH: apps/http/json-only.ts refuses a body that is not JSON. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** A credential check (apps/core/auth/authenticate.ts): tokens, signatures, a member since removed. */
const AUTHENTICATED: ErrorCode[] = [
  'UNAUTHENTICATED',
  'TOKEN_MISSING',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'TOKEN_REVOKED',
  'SIGNATURE_MALFORMED',
  'SIGNATURE_KEY_UNKNOWN',
  'SIGNATURE_KEY_REVOKED',
  'SIGNATURE_KEY_EXPIRED',
  'SIGNATURE_TIMESTAMP_OUT_OF_WINDOW',
  'SIGNATURE_INVALID',
  'SIGNATURE_NONCE_REUSED',
  'NOT_A_MEMBER',
];

/** A change authenticated by the console cookie needs `X-CSRF-Token`. */
const CSRF: ErrorCode[] = ['CSRF_TOKEN_MISSING', 'CSRF_TOKEN_INVALID'];

/** Every code a route can answer, in the registry's order. */
export function problemCodes(route: RouteDoc): ErrorCode[] {
  const codes = new Set<ErrorCode>(EVERY_ROUTE);
  const add = (list: readonly ErrorCode[]) => {
    for (const code of list) codes.add(code);
  };
  const writes = route.method !== 'GET';
  if (writes) add(ANY_BODY);
  if (BODY_METHODS.has(route.method)) add(['UNSUPPORTED_MEDIA_TYPE']);
  if (route.body || route.query) add(['VALIDATION_FAILED']);
  if (route.access !== 'public') add(AUTHENTICATED);
  if (route.access !== 'public' && writes) add(CSRF);
  if (route.access === 'member') add(['MEMBER_REQUIRED']);
  if (route.privilege) add(['FORBIDDEN']);
  if (route.path.includes(':')) add(['NOT_FOUND']);
  add(route.problems ?? []);
  return Object.keys(ERROR_CODES).filter((code): code is ErrorCode => codes.has(code as ErrorCode));
}

/** The codes grouped by their HTTP status, statuses ascending. */
export function codesByStatus(codes: ErrorCode[]): [ErrorStatus, ErrorCode[]][] {
  const byStatus = new Map<ErrorStatus, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return [...byStatus].sort(([a], [b]) => a - b);
}

const fieldError = z
  .object({
    field: z.string().meta({ description: 'A dotted path into the body or query (`body` for the whole)' }),
    message: z.string(),
  })
  .meta({ id: 'FieldError' });

/**
 * The RFC 9457 problem+json body of one code: its `type` is the code's page (`/docs/errors/<CODE>`)
 * under PUBLIC_URL, as apps/http/problem.ts writes it. Extension members are allowed (RFC 9457
 * §3.2). One component per code (`Problem.<CODE>`), so a route's answers name the codes they give.
 * @see https://www.rfc-editor.org/rfc/rfc9457#section-3
 */
function codeProblem(code: ErrorCode, publicUrl: string) {
  const info = ERROR_CODES[code];
  return z
    .looseObject({
      type: z.literal(problemTypeUrl(code, publicUrl)).meta({ description: 'The page of the code' }),
      title: z.string(),
      status: z.literal(info.status),
      detail: z.string().meta({ description: 'What happened to this one request' }),
      code: z.literal(code),
      errors: z.array(fieldError).optional().meta({ description: 'Each field that is not valid' }),
    })
    .meta({ id: `Problem.${code}`, title: code, description: `${info.title}. ${info.description}` });
}

const problemsByUrl = new Map<string, Map<ErrorCode, z.ZodType>>();

/** The problem+json body of one status: any of the given codes' (all of that status). */
export function problemSchema(codes: ErrorCode[], publicUrl: string): z.ZodType {
  let schemas = problemsByUrl.get(publicUrl);
  if (!schemas) problemsByUrl.set(publicUrl, (schemas = new Map()));
  const known = schemas;
  const each = codes.map((code) => {
    const schema = known.get(code) ?? codeProblem(code, publicUrl);
    known.set(code, schema);
    return schema;
  });
  return each.length === 1 ? (each[0] as z.ZodType) : z.union(each as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}
