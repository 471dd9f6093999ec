import type { RequestHandler } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { credentialsOf } from '../../../http/authenticate.ts';
import { requestIdOf } from '../../../http/request-id.ts';
import { handleEngagement } from './handle.ts';

/**
 * `POST /v1/engagements` through Express (handle.ts has the checks and answers): the requests the
 * engagement lane (apps/api/engagement-lane.ts) leaves here — a cookie or Signature credential,
 * an Origin, a compressed, chunked or other-charset body — already parsed by the /v1 JSON parser,
 * which refuses bodies over 1 MiB with 413.
 */
export function createEngagement(deps: Deps): RequestHandler {
  return async (req, res) => {
    // The exact text when the parser kept the bytes and they are UTF-8 (RFC 8259 §8.1), so the CRM
    // receives numbers and key order as sent; otherwise the parsed body, re-encoded.
    const charset = /;\s*charset=["']?([^;"'\s]+)/i.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
    const utf8 = charset === undefined || charset === 'utf-8' || charset === 'utf8';
    const answer = await handleEngagement(deps, {
      bearer: undefined,
      credentials: credentialsOf(req),
      ip: req.ip,
      requestId: requestIdOf(req),
      isJson: Boolean(req.is('application/json')),
      text: undefined,
      parsed: req.body,
      exactText: utf8 && req.rawBody?.length ? req.rawBody.toString('utf8').trim() : undefined,
    });
    // Before the headers are written: the CORS middleware (apps/http/cors.ts) reads the caller then.
    req.caller = answer.caller;
    res.status(answer.status);
    for (let i = 0; i < answer.headers.length; i += 2) res.set(answer.headers[i] as string, answer.headers[i + 1]);
    res.set('Content-Type', answer.contentType).send(answer.body);
  };
}
