import { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { authenticate, requirePrivilege } from '../../../http/authenticate.ts';
import { callerGroup } from './caller-group.ts';
import { createGroup } from './create.ts';
import { listGroups } from './list.ts';
import { addMember } from './members/add.ts';
import { changeRole } from './members/change-role.ts';
import { listMembers } from './members/list.ts';
import { removeMember } from './members/remove.ts';
import { notificationRoutes } from './notifications/router.ts';
import { getOrigins } from './origins/get.ts';
import { putOrigins } from './origins/put.ts';

/** `/v1/groups`: the caller's groups, their members and trusted browser origins. */
export function groupRoutes(deps: Deps): Router {
  const router = Router();
  router.use(authenticate(deps));
  router.get('/', listGroups(deps));
  router.post('/', createGroup(deps));
  // `callerGroup` first: another group answers 404 before any privilege is looked at.
  const group = callerGroup(deps);
  const members = requirePrivilege('members:manage');
  const origins = requirePrivilege('origins:manage');
  router.get('/:group/members', group, members, listMembers(deps));
  router.post('/:group/members', group, members, addMember(deps));
  router.patch('/:group/members/:username', group, members, changeRole(deps));
  router.delete('/:group/members/:username', group, members, removeMember(deps));
  router.get('/:group/origins', group, origins, getOrigins(deps));
  router.put('/:group/origins', group, origins, putOrigins(deps));
  router.use('/:group/notifications', notificationRoutes(deps));
  return router;
}
