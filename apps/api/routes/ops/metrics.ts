import { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { metricsOf } from '../../../core/metrics.ts';

/** `GET /metrics`: Prometheus text format (deliveries, attempt latency, queue depth, refreshes, process). */
export function metricsRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const { registry } = metricsOf(deps);
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
