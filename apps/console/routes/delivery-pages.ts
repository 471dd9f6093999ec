import { Router } from 'express';
import type { Deps } from '../../core/deps.ts';
import { viewSession } from '../session.ts';
import { deliveryInspectorPage } from '../views/delivery-inspector.ts';
import { deliveryLogPage } from '../views/deliveries-log.ts';
import { sendPage } from './pages.ts';

/**
 * The group-wide delivery log (`/console/deliveries`) and the delivery inspector
 * (`/console/deliveries/:id`). Shells only: the browser reads the deliveries from the API, which
 * answers 404 for another group's delivery (the page says so).
 */
export function deliveryPageRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/', async (req, res) => sendPage(res, deliveryLogPage(await viewSession(deps, req))));
  router.get('/:id', async (req, res) =>
    sendPage(res, deliveryInspectorPage(await viewSession(deps, req), String(req.params.id))),
  );
  return router;
}
