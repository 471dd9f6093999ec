import { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { authenticate, requirePrivilege } from '../../../http/authenticate.ts';
import { listDeliveries } from './list.ts';
import { replay } from './replay.ts';
import { retryOne } from './retry.ts';
import { showDelivery } from './show.ts';

/** `/v1/deliveries/:id` and `/v1/deliveries/:id/retry`. */
export function deliveryRoutes(deps: Deps): Router {
  const router = Router();
  router.use(authenticate(deps));
  router.get('/:id', requirePrivilege('deliveries:read'), showDelivery(deps));
  router.post('/:id/retry', requirePrivilege('deliveries:retry'), retryOne(deps));
  return router;
}

/** `/v1/exports/:exportId/deliveries` (the log) and `…/deliveries/replay`. */
export function exportDeliveryRoutes(deps: Deps): Router {
  const router = Router({ mergeParams: true });
  router.use(authenticate(deps));
  router.get('/', requirePrivilege('deliveries:read'), listDeliveries(deps));
  router.post('/replay', requirePrivilege('deliveries:retry'), replay(deps));
  return router;
}
