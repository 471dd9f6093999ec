import { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { authenticate, requirePrivilege } from '../../../http/authenticate.ts';
import { createPartnerRoute } from './create.ts';
import { listPartnersRoute } from './list.ts';
import { revokePartnerRoute } from './revoke.ts';

/** `/v1/partners`: partners whose users sign in with login keys. They create members, hence `members:manage`. */
export function partnerRoutes(deps: Deps): Router {
  const router = Router();
  router.use(authenticate(deps), requirePrivilege('members:manage'));
  router.post('/', createPartnerRoute(deps));
  router.get('/', listPartnersRoute(deps));
  router.delete('/:id', revokePartnerRoute(deps));
  return router;
}
