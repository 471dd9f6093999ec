import type { RequestHandler } from 'express';
import type { Deps } from '../../../../core/deps.ts';
import { getOAuthStatus } from '../../../../core/exports/oauth-config.ts';
import { callerOf } from '../../../../http/authenticate.ts';
import { exportIdOf } from '../schemas.ts';

/** `GET /v1/exports/:id/oauth` → `{configured, status, message, …, config?}`; never a token. */
export function getOAuth(deps: Deps): RequestHandler {
  return async (req, res) => {
    res.json(await getOAuthStatus(deps, callerOf(req).groupId, exportIdOf(req)));
  };
}
