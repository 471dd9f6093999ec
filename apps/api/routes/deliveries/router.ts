import { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { authenticate, requirePrivilege } from '../../../http/authenticate.ts';
import { bulkRetry } from './bulk-retry.ts';
import { listDeliveries } from './list.ts';
import { listDeliveryLog } from './log.ts';
import { replay } from './replay.ts';
import { resendOne } from './resend.ts';
import { retryOne } from './retry.ts';
import { showDelivery } from './show.ts';

/** `/v1/deliveries`: the group's log, bulk retry, and one delivery (show, retry, resend). */
export function deliveryRoutes(deps: Deps): Router {
  const router = Router();
  router.use(authenticate(deps));
  const read = requirePrivilege('deliveries:read');
  const retry = requirePrivilege('deliveries:retry');
  router.get('/', read, listDeliveryLog(deps));
  router.post('/retry', retry, bulkRetry(deps));
  router.get('/:id', read, showDelivery(deps));
  router.post('/:id/retry', retry, retryOne(deps));
  router.post('/:id/resend', retry, resendOne(deps));
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
