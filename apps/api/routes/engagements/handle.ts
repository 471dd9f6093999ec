import { z } from 'zod';
import {
  authenticate,
  authenticateBearer,
  challenge,
  type RequestCredentials,
} from '../../../core/auth/authenticate.ts';
import { assertPrivileges, type Caller } from '../../../core/auth/caller.ts';
import type { Deps } from '../../../core/deps.ts';
import { ingestEngagement } from '../../../core/engagements/ingest.ts';
import { AppError } from '../../../core/errors.ts';
import type { Privilege } from '../../../core/groups/roles.ts';
import { MALFORMED_JSON_DETAIL, PROBLEM_CONTENT_TYPE, problemFor } from '../../../http/problem.ts';
import { parse } from '../../../http/validate.ts';

// `POST /v1/engagements` is answered in two places: the engagement lane beside Express for speed
// (apps/api/engagement-lane.ts) and the Express route for every other form of the request
// (create.ts). Both call `handleEngagement`, so every check (authentication, privilege, media
// type, validation, limits of the ingest) and every answer comes from this one function; the
// callers only read the request and write the answer.

/** The privilege `POST /v1/engagements` needs. */
export const INGEST_PRIVILEGE: Privilege = 'engagements:write';
export const ENGAGEMENTS_PATH = '/v1/engagements';
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const WHERE = { method: 'POST', path: ENGAGEMENTS_PATH };
const NO_HEADERS: string[] = [];

// Any JSON object with a string `id`: the rest is the customer's and is kept as sent.
const engagementSchema = z.looseObject({
  id: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
});

/** One `POST /v1/engagements`, as whichever HTTP layer received it has read it. */
export interface EngagementRequest {
  /** The Bearer credentials (the lane takes no other kind)… */
  bearer: string | undefined;
  /** …or every credential the request carries (Express); one of the two is set. */
  credentials: RequestCredentials | undefined;
  ip: string | undefined;
  /** The request's id (apps/http/request-id.ts), stored on the deliveries the engagement makes. */
  requestId: string;
  /** Whether the body came as `application/json`: any other type is refused with 415 once authenticated. */
  isJson: boolean;
  /** The body as UTF-8 text, to parse as strict JSON here (the lane)… */
  text: string | undefined;
  /** …or the body Express's JSON parser gave (`text` undefined)… */
  parsed: unknown;
  /** …with its exact text when the bytes were UTF-8 (RFC 8259 §8.1), else undefined (re-encoded). */
  exactText: string | undefined;
}

/** An HTTP answer, whoever writes it. */
export interface HttpAnswer {
  status: number;
  /** Name, value, name, value… (Node's `writeHead` takes this without a header object). */
  headers: string[];
  contentType: string;
  body: string;
  /** The authenticated caller, when there is one: its group decides the CORS headers (apps/http/cors.ts). */
  caller: Caller | undefined;
}

/**
 * `POST /v1/engagements`: a completed engagement → 202 `{engagementId, id, duplicate,
 * deliveries}`, idempotent per group on `id`; every refusal a problem+json answer (RFC 9457), a
 * 401 with its WWW-Authenticate challenge (RFC 6750 §3), a 503 with Retry-After when Redis or the
 * database cannot be reached. In order: body parsed, credential, privilege, media type, fields.
 */
export async function handleEngagement(deps: Deps, request: EngagementRequest): Promise<HttpAnswer> {
  let caller: Caller | undefined;
  let challengeHeader: string | undefined;
  try {
    const text = request.text;
    const body = text !== undefined ? parseStrictJson(text) : request.parsed;
    try {
      caller =
        request.bearer !== undefined
          ? await authenticateBearer(deps, request.bearer, request.ip)
          : await authenticate(deps, request.credentials as RequestCredentials);
    } catch (error) {
      if (error instanceof AppError && error.status === 401) challengeHeader = challenge(error);
      throw error;
    }
    assertPrivileges(caller, [INGEST_PRIVILEGE]);
    if (!request.isJson) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the engagement as JSON (Content-Type: application/json)', 415);
    }
    const json = text !== undefined ? text.trim() : (request.exactText ?? JSON.stringify(body));
    const answer = JSON.stringify(await acceptEngagement(deps, caller, body, json, request.requestId));
    return { status: 202, headers: NO_HEADERS, contentType: JSON_CONTENT_TYPE, body: answer, caller };
  } catch (error) {
    const { status, body, headers } = problemFor(error, deps.logger, WHERE, deps.config.PUBLIC_URL);
    const flat = headers ? headers.flat() : NO_HEADERS;
    return {
      status,
      headers: challengeHeader === undefined ? flat : ['WWW-Authenticate', challengeHeader, ...flat],
      contentType: PROBLEM_CONTENT_TYPE,
      body,
      caller,
    };
  }
}

/** Validates a parsed engagement, ingests it with its text `json`, and gives the 202 answer's body. */
async function acceptEngagement(deps: Deps, caller: Caller, body: unknown, json: string, requestId: string) {
  const engagement = parse(engagementSchema, body);
  const result = await ingestEngagement(deps, caller.groupId, { externalId: engagement.id, json, requestId });
  deps.metrics.ingested.inc({ outcome: result.created ? 'accepted' : 'duplicate' });
  return {
    engagementId: result.engagementId,
    id: result.externalId,
    duplicate: !result.created,
    deliveries: result.deliveries,
  };
}

/** JSON as body-parser's strict mode takes it: an object or an array, a byte-order mark ignored. */
function parseStrictJson(text: string): unknown {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const first = /^[ \t\n\r]*(.)/s.exec(json)?.[1];
  if (first === '{' || first === '[') {
    try {
      return JSON.parse(json);
    } catch {}
  }
  throw new AppError('MALFORMED_JSON', MALFORMED_JSON_DETAIL, 400);
}
