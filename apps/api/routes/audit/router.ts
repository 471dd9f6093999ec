import { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { authenticate, requirePrivilege } from '../../../http/authenticate.ts';
import { listAuditRoute } from './list.ts';

/** `/v1/audit`: the group's audit log (privilege `audit:read`). */
export function auditRoutes(deps: Deps): Router {
  const router = Router();
  router.use(authenticate(deps), requirePrivilege('audit:read'));
  router.get('/', listAuditRoute(deps));
  return router;
}
