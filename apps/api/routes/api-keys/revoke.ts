import type { RequestHandler } from 'express';
import { revokeApiKey } from '../../../core/auth/api-keys/api-keys.ts';
import type { Deps } from '../../../core/deps.ts';
import { callerOf } from '../../../http/authenticate.ts';

/** `DELETE /v1/api-keys/:id`: revokes a key of the caller's group (404 for any other). */
export function revokeApiKeyRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    await revokeApiKey(deps, callerOf(req), String(req.params.id));
    res.status(204).end();
  };
}
