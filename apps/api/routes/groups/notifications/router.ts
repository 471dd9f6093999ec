import { Router } from 'express';
import type { Deps } from '../../../../core/deps.ts';
import { requirePrivilege } from '../../../../http/authenticate.ts';
import { callerGroup } from '../caller-group.ts';
import { getNotificationsRoute } from './get.ts';
import { putNotificationsRoute } from './put.ts';
import { testNotificationsRoute } from './test.ts';

/**
 * `/v1/groups/:group/notifications` (docs/notifications.md), mounted by the groups router (which
 * authenticates). `callerGroup` first: another group answers 404 before any privilege is looked
 * at. Anyone who may read the group's exports reads the setting; changing it, or sending a test,
 * is an admin's (`members:manage`, as for the group's SSO setting).
 */
export function notificationRoutes(deps: Deps): Router {
  const router = Router({ mergeParams: true });
  const admin = requirePrivilege('members:manage');
  router.use(callerGroup(deps));
  router.get('/', requirePrivilege('exports:read'), getNotificationsRoute(deps));
  router.put('/', admin, putNotificationsRoute(deps));
  router.post('/test', admin, testNotificationsRoute(deps));
  return router;
}
