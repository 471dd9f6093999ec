import type { RequestHandler } from 'express';
import { revokePartner } from '../../../core/auth/partners/partners.ts';
import type { Deps } from '../../../core/deps.ts';
import { callerOf } from '../../../http/authenticate.ts';

/** `DELETE /v1/partners/:id`: revokes a partner and signs its users out (404 for another group's). */
export function revokePartnerRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    await revokePartner(deps, callerOf(req), String(req.params.id));
    res.status(204).end();
  };
}
