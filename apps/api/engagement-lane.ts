import { IncomingMessage, type RequestListener, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Express } from 'express';
import proxyAddr from 'proxy-addr';
import type { Deps } from '../core/deps.ts';
import { AUTHORIZATION } from '../core/auth/authenticate.ts';
import { requestIdOf } from '../http/request-id.ts';
import { securityHeaders } from '../http/security-headers.ts';
import { ENGAGEMENTS_PATH, handleEngagement } from './routes/engagements/handle.ts';
import { JSON_BODY_LIMIT_BYTES } from './routes/v1/index.ts';

// `POST /v1/engagements` carries one request per completed engagement, far more than every other
// route together. Through Express it cost ≈ 850 µs of CPU per request on this machine, about
// 570 µs of it in Express's routing and middleware (router layers, body-parser, cookie parsing),
// which made the API the largest cost of a delivery. This lane answers the common request itself
// through the same handler as the Express route (routes/engagements/handle.ts: body parsed as
// strict JSON, Bearer token with revocation and current role, privilege, validation, ingest), with
// the same security headers and a body of at most 1 MiB. Anything else (another scheme, a cookie session, an Origin, a compressed, chunked, empty or
// oversized body, another content type or URL form) goes to the Express route, which handles every
// case; a test sends the same requests both ways and compares the answers.

/** `application/json`, with at most a UTF-8 charset: the text is kept as sent (RFC 8259 §8.1). */
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset=("?)utf-8\1\s*)?$/i;

/** The HTTP server's listener: the lane for the requests it takes, the Express app for the rest. */
export function engagementLane(deps: Deps, app: Express): RequestListener {
  const lane: Lane = {
    security: securityHeaderList(),
    trustProxy: app.get('trust proxy fn') as Parameters<typeof proxyAddr>[1],
  };
  return (req, res) => {
    const credentials = bearerCredentials(req);
    if (credentials === undefined) return void app(req, res);
    void ingest(deps, req, res, credentials, lane);
  };
}

/** What every request of the lane shares, computed once. */
interface Lane {
  /** The security headers, as name, value pairs (the same as helmet sets on Express's answers). */
  security: string[];
  /** Which peers may say who the client is (X-Forwarded-For), as Express compiled TRUST_PROXY. */
  trustProxy: Parameters<typeof proxyAddr>[1];
}

/** The Bearer credentials of a request this lane takes; undefined for any other request. */
function bearerCredentials(req: IncomingMessage): string | undefined {
  if (req.method !== 'POST' || req.url !== ENGAGEMENTS_PATH) return undefined;
  const headers = req.headers;
  // A browser's request (it has an Origin) goes to Express, whose CORS middleware (apps/http/cors.ts)
  // allows the origin only when the token's group trusts it; the lane's answers carry no CORS header.
  if (headers.origin !== undefined || headers['content-encoding'] !== undefined) return undefined;
  if (headers['transfer-encoding'] !== undefined || !PLAIN_JSON.test(headers['content-type'] ?? '')) return undefined;
  const length = Number(headers['content-length']);
  if (!(length > 0 && length <= JSON_BODY_LIMIT_BYTES)) return undefined;
  const [, scheme = '', credentials = ''] = AUTHORIZATION.exec(headers.authorization ?? '') ?? [];
  return scheme.toLowerCase() === 'bearer' && credentials.trim() ? credentials : undefined;
}

async function ingest(
  deps: Deps,
  req: IncomingMessage,
  res: ServerResponse,
  bearer: string,
  lane: Lane,
): Promise<void> {
  // Given by the server's wrapper (apps/http/access-log.ts), which also echoes it as X-Request-Id.
  const requestId = requestIdOf(req);
  let text: string;
  try {
    text = await readText(req);
  } catch {
    return; // the client went away while sending; there is no one to answer
  }
  const answer = await handleEngagement(deps, {
    bearer,
    credentials: undefined,
    ip: proxyAddr(req, lane.trustProxy),
    requestId,
    isJson: true,
    text,
    parsed: undefined,
    exactText: undefined,
  });
  if (res.destroyed) return;
  const { status, headers, contentType, body } = answer;
  res.writeHead(status, [
    ...lane.security,
    ...headers,
    'Content-Type',
    contentType,
    'Content-Length',
    String(Buffer.byteLength(body)),
  ]);
  res.end(body);
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

/**
 * The headers helmet sets, as a flat list, taken once from helmet itself: with this configuration
 * they are the same on every answer (no nonce, nothing read from the request).
 */
function securityHeaderList(): string[] {
  const probe = new ServerResponse(new IncomingMessage(new Socket()));
  securityHeaders(probe.req, probe, () => {});
  return Object.entries(probe.getHeaders()).flatMap(([name, value]) => [name, String(value)]);
}
