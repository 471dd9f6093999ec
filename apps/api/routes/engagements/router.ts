import { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { requirePrivilege } from '../../middleware/auth-context.ts';
import { authenticate } from '../../middleware/authenticate.ts';
import { createEngagement, INGEST_PRIVILEGE } from './create.ts';

/** `/v1/engagements`: completed engagements in. */
export function engagementRoutes(deps: Deps): Router {
  const router = Router();
  router.use(authenticate(deps));
  router.post('/', requirePrivilege(INGEST_PRIVILEGE), createEngagement(deps));
  return router;
}
