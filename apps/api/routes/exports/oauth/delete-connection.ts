import type { RequestHandler } from 'express';
import type { Deps } from '../../../../core/deps.ts';
import { disconnect } from '../../../../core/exports/oauth-config.ts';
import { callerOf } from '../../../../http/authenticate.ts';
import { exportIdOf } from '../schemas.ts';

/**
 * `DELETE /v1/exports/:id/oauth/connection` → 200 the status, back to `not_authorized`, with
 * `revocation` (`confirmed`, `failed` or `not_configured`): what the CRM said, within 5 s.
 */
export function deleteConnection(deps: Deps): RequestHandler {
  return async (req, res) => {
    res.json(await disconnect(deps, callerOf(req), exportIdOf(req)));
  };
}
