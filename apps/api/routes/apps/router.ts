import { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { authenticate, requirePrivilege } from '../../../http/authenticate.ts';
import { createAppRoute } from './create.ts';
import { deleteAppRoute } from './delete.ts';
import { listAppsRoute } from './list.ts';
import { listAuthorizedAppsRoute, withdrawAppRoute } from './authorized.ts';

/**
 * `/v1/apps`: third-party apps of the caller's group (docs/api/third-party-apps.md), managed by
 * admins (privilege `api-keys:manage`, as the group's other credentials for software).
 */
export function appRoutes(deps: Deps): Router {
  const router = Router();
  router.use(authenticate(deps), requirePrivilege('api-keys:manage'));
  router.post('/', createAppRoute(deps));
  router.get('/', listAppsRoute(deps));
  router.delete('/:id', deleteAppRoute(deps));
  return router;
}

/** `/v1/auth/apps`: the apps the calling member authorized, and withdrawing one. */
export function authorizedAppRoutes(deps: Deps): Router {
  const router = Router();
  router.use(authenticate(deps));
  router.get('/', listAuthorizedAppsRoute(deps));
  router.delete('/:id', withdrawAppRoute(deps));
  return router;
}
