import { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';

/** `/healthz` (process up) and `/readyz` (database and Redis reachable). */
export function healthRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [database, redis] = await Promise.all([
      deps.db.$queryRawUnsafe('SELECT 1').then(
        () => 'ok',
        (e: Error) => `error: ${e.message}`,
      ),
      deps.redis.ping().then(
        () => 'ok',
        (e: Error) => `error: ${e.message}`,
      ),
    ]);
    const ready = database === 'ok' && redis === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', database, redis });
  });
  return router;
}
