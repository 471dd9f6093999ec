import type { RequestHandler } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { AppError } from '../../../core/errors.ts';
import { authorizationResultFor } from '../../../core/oauth/callback.ts';
import { bindingCookieOf } from './binding-cookie.ts';

/**
 * `GET /oauth/callback/result?request=<id>`: the outcome the callback page polls. Only the
 * browser holding the request's binding cookie may read it; anyone else gets 404.
 */
export function callbackResult(deps: Deps): RequestHandler {
  return async (req, res) => {
    const requestId = typeof req.query.request === 'string' ? req.query.request : '';
    const result = requestId ? await authorizationResultFor(deps, requestId, bindingCookieOf(req, requestId)) : null;
    if (!result) throw new AppError('NOT_FOUND', 'No authorization started in this browser has this id', 404);
    res.json(result);
  };
}
