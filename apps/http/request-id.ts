import type { IncomingMessage, ServerResponse } from 'node:http';
import { newId } from '../core/ids.ts';

/** What a caller's own `X-Request-Id` may be to be kept (a proxy's id, a UUID…); anything else is replaced. */
const ACCEPTABLE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
const REQUEST_ID = Symbol('requestId');

type Tagged = IncomingMessage & { [REQUEST_ID]?: string };

/**
 * The id of one HTTP request: the caller's `X-Request-Id` when it is a plain token of at most 128
 * characters, else a new `req_…` id. Computed once per request, echoed as `X-Request-Id` on the
 * answer, and carried by the log lines the request causes (the access log, an ingest's deliveries,
 * a callback's code exchange) so an operator can follow one request through every process.
 * Works on the raw request, so the engagement lane (apps/api/engagement-lane.ts) and Express share it.
 */
export function requestIdOf(req: IncomingMessage, res?: ServerResponse): string {
  const tagged = req as Tagged;
  let id = tagged[REQUEST_ID];
  if (id === undefined) {
    const given = req.headers['x-request-id'];
    id = typeof given === 'string' && ACCEPTABLE.test(given) ? given : newId('req');
    tagged[REQUEST_ID] = id;
  }
  if (res && !res.headersSent && !res.hasHeader('x-request-id')) res.setHeader('X-Request-Id', id);
  return id;
}
