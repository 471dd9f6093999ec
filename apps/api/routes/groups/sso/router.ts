import { Router } from 'express';
import type { Deps } from '../../../../core/deps.ts';
import { authenticate, requirePrivilege } from '../../../../http/authenticate.ts';
import { callerGroup } from '../caller-group.ts';
import { deleteSsoRoute } from './delete.ts';
import { getSsoRoute } from './get.ts';
import { putSsoRoute } from './put.ts';

/**
 * `/v1/groups/:group/sso`: the group's OpenID Connect provider. SSO creates members, so it needs
 * `members:manage` (admins). Mounted in v1 before the groups router, with the group resolved by
 * the groups router's `callerGroup` (another group answers 404).
 */
export function ssoConfigRoutes(deps: Deps): Router {
  const router = Router({ mergeParams: true });
  router.use(authenticate(deps), callerGroup(deps), requirePrivilege('members:manage'));
  router.get('/', getSsoRoute(deps));
  router.put('/', putSsoRoute(deps));
  router.delete('/', deleteSsoRoute(deps));
  return router;
}
