import { IncomingMessage, type RequestListener, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Express } from 'express';
import proxyAddr from 'proxy-addr';
import type { Deps } from '../core/deps.ts';
import { AppError } from '../core/errors.ts';
import { assertPrivileges } from './middleware/auth-context.ts';
import { bearerContext, challenge } from './middleware/authenticate.ts';
import { MALFORMED_JSON_DETAIL, PROBLEM_CONTENT_TYPE, problemFor } from './middleware/problem.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { acceptEngagement, INGEST_PRIVILEGE } from './routes/engagements/create.ts';
import { JSON_BODY_LIMIT_BYTES } from './routes/v1/index.ts';

// `POST /v1/engagements` carries one request per completed engagement, far more than every other
// route together. Through Express it cost ≈ 850 µs of CPU per request on this machine, about
// 570 µs of it in Express's routing and middleware (router layers, body-parser, cookie parsing),
// which made the API the largest cost of a delivery. This lane answers the common request itself
// with the same checks, in the same order, and the same answers: security headers, body of at most
// 1 MiB parsed as strict JSON, Bearer token (revocation and current role), privilege, validation,
// ingest. Anything else (another scheme, a cookie session, an Origin, a compressed, chunked, empty or
// oversized body, another content type or URL form) goes to the Express route, which handles every
// case; a test sends the same requests both ways and compares the answers.

const PATH = '/v1/engagements';
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
/** `application/json`, with at most a UTF-8 charset: the text is kept as sent (RFC 8259 §8.1). */
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset=("?)utf-8\1\s*)?$/i;
/** The scheme and credentials of an Authorization header, as authenticate.ts splits them. */
const AUTHORIZATION = /^\s*(\S+)\s*(.*)$/s;

/** The HTTP server's listener: the lane for the requests it takes, the Express app for the rest. */
export function engagementLane(deps: Deps, app: Express): RequestListener {
  const security = securityHeaderList();
  const trustProxy = app.get('trust proxy fn') as Parameters<typeof proxyAddr>[1];
  return (req, res) => {
    const credentials = bearerCredentials(req);
    if (credentials === undefined) return void app(req, res);
    void ingest(deps, req, res, { credentials, security, clientIp: () => proxyAddr(req, trustProxy) });
  };
}

/** The Bearer credentials of a request this lane takes; undefined for any other request. */
function bearerCredentials(req: IncomingMessage): string | undefined {
  if (req.method !== 'POST' || req.url !== PATH) return undefined;
  const headers = req.headers;
  // A browser's request (it has an Origin) goes to Express, whose CORS middleware (middleware/cors.ts)
  // allows the origin only when the token's group trusts it; the lane's answers carry no CORS header.
  if (headers.origin !== undefined || headers['content-encoding'] !== undefined) return undefined;
  if (headers['transfer-encoding'] !== undefined || !PLAIN_JSON.test(headers['content-type'] ?? '')) return undefined;
  const length = Number(headers['content-length']);
  if (!(length > 0 && length <= JSON_BODY_LIMIT_BYTES)) return undefined;
  const [, scheme = '', credentials = ''] = AUTHORIZATION.exec(headers.authorization ?? '') ?? [];
  return scheme.toLowerCase() === 'bearer' && credentials.trim() ? credentials : undefined;
}

interface LaneRequest {
  credentials: string;
  security: string[];
  clientIp: () => string;
}

async function ingest(deps: Deps, req: IncomingMessage, res: ServerResponse, lane: LaneRequest): Promise<void> {
  const { credentials, security, clientIp } = lane;
  let text: string;
  try {
    text = await readText(req);
  } catch {
    return; // the client went away while sending; there is no one to answer
  }
  let extra: string[] = [];
  try {
    const body = parseStrictJson(text);
    const auth = await bearerContext(deps, credentials, clientIp()).catch((error: unknown) => {
      if (error instanceof AppError && error.status === 401) extra = ['WWW-Authenticate', challenge(error)];
      throw error;
    });
    assertPrivileges(auth, [INGEST_PRIVILEGE]);
    const answer = JSON.stringify(await acceptEngagement(deps, auth, body, text.trim()));
    send(res, 202, security, JSON_CONTENT_TYPE, answer);
  } catch (error) {
    // The same answers as Express's problem handler, 503 DEPENDENCY_UNAVAILABLE (and its
    // Retry-After) included when Redis or the database cannot be reached.
    const { status, body, headers = [] } = problemFor(error, deps.logger, { method: 'POST', path: PATH });
    send(res, status, [...security, ...extra, ...headers.flat()], PROBLEM_CONTENT_TYPE, body);
  }
}

/** The body as UTF-8 text (its length is bounded by Content-Length); rejects if the client goes away. */
function readText(req: IncomingMessage): Promise<string> {
  // By hand: node:stream/consumers goes through a Blob and an async iterator, measured at ≈ 8 % of
  // this lane's CPU.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () =>
      resolve((chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8')),
    );
    req.on('error', reject);
    // Every request closes once answered: only a close before the end means the client went away.
    req.on('close', () => {
      if (!req.complete) reject(new Error('the request was closed before its body ended'));
    });
  });
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

/** Answers with the headers as one flat name, value list (Node's cheapest form: no header object). */
function send(res: ServerResponse, status: number, headers: string[], contentType: string, body: string): void {
  if (res.destroyed) return;
  res.writeHead(status, [...headers, 'Content-Type', contentType, 'Content-Length', String(Buffer.byteLength(body))]);
  res.end(body);
}

/**
 * The headers helmet sets, as a flat list, taken once from helmet itself: with this configuration
 * they are the same on every answer (no nonce, nothing read from the request).
 */
function securityHeaderList(): string[] {
  const probe = new ServerResponse(new IncomingMessage(new Socket()));
  securityHeaders(probe.req, probe, () => {});
  return Object.entries(probe.getHeaders()).flatMap(([name, value]) => [name, String(value)]);
}
