import type { RequestHandler } from 'express';
import { deleteSsoProvider } from '../../../../core/auth/sso/config.ts';
import type { Deps } from '../../../../core/deps.ts';
import { callerOf } from '../../../../http/authenticate.ts';

/** `DELETE /v1/groups/:group/sso` (admin): SSO sign-in stops for the group. */
export function deleteSsoRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    await deleteSsoProvider(deps, callerOf(req));
    res.status(204).end();
  };
}
