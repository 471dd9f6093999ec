import type { RequestHandler } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { type CallbackParameters, handleCallback } from '../../../core/oauth/callback.ts';
import { requestIdOf } from '../../../http/request-id.ts';
import { bindingCookieOf } from './binding-cookie.ts';
import { callbackPage } from './page.ts';

const FIELDS = ['state', 'code', 'error', 'error_description', 'iss'] as const;

/**
 * `GET /oauth/callback`, the redirect URI: hands the query to the callback service and answers
 * the page. A parameter sent twice is refused (RFC 6749 §3.1: parameters MUST NOT repeat).
 */
export function oauthCallback(deps: Deps): RequestHandler {
  return async (req, res) => {
    const params: CallbackParameters = {};
    for (const field of FIELDS) {
      const value = req.query[field];
      if (Array.isArray(value) || (value !== undefined && typeof value !== 'string')) {
        return sendPage(res, deps, {
          httpStatus: 400,
          status: 'rejected',
          message: `The CRM's answer repeats the parameter "${field}". Start again from the export page.`,
        });
      }
      if (value) params[field] = value;
    }
    const outcome = await handleCallback(deps, params, (requestId) => bindingCookieOf(req, requestId), {
      requestId: requestIdOf(req, res),
      origin: originOf(req.protocol, req.get('host')),
    });
    sendPage(res, deps, outcome);
  };
}

function sendPage(res: Parameters<RequestHandler>[1], deps: Deps, outcome: Parameters<typeof callbackPage>[0]) {
  res.status(outcome.httpStatus).type('html').send(callbackPage(outcome, deps.config.PUBLIC_URL));
}

/** The origin a request was sent to, as URL would write it (lower case, default port dropped). */
function originOf(protocol: string, host: string | undefined): string | undefined {
  try {
    return host ? new URL(`${protocol}://${host}`).origin : undefined;
  } catch {
    return undefined;
  }
}
