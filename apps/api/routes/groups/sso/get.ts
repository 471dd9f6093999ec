import type { RequestHandler } from 'express';
import { getSsoProvider } from '../../../../core/auth/sso/config.ts';
import type { Deps } from '../../../../core/deps.ts';
import { groupOf } from '../caller-group.ts';

/** `GET /v1/groups/:group/sso`: the group's OpenID Connect provider (never its client secret). */
export function getSsoRoute(deps: Deps): RequestHandler {
  return async (_req, res) => {
    res.json(await getSsoProvider(deps, groupOf(res).id));
  };
}
