import { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { authenticate } from '../../../http/authenticate.ts';
import { createEngagement } from './create.ts';

/** `/v1/engagements`: completed engagements in. */
export function engagementRoutes(deps: Deps): Router {
  const router = Router();
  // The route authenticates inside its handler (handle.ts, shared with the engagement lane).
  router.post('/', createEngagement(deps));
  // Any other method or path here is still authenticated before it answers 404, as every /v1 resource is.
  router.use(authenticate(deps));
  return router;
}
