import { createHash, timingSafeEqual } from 'node:crypto';
import { type RequestHandler, Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { sendProblem } from '../../../http/problem.ts';

/** `GET /metrics`: Prometheus text format (deliveries, attempt latency, queue depth, refreshes, process). */
export function metricsRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/metrics', metricsToken(deps.config.METRICS_TOKEN), async (_req, res) => {
    const { registry } = deps.metrics;
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}

/**
 * With METRICS_TOKEN set, the scraper sends `Authorization: Bearer <it>` (RFC 6750 §2.1, as
 * Prometheus' `authorization` scrape setting does); anything else is 401 with a Bearer challenge
 * (RFC 6750 §3). Compared as SHA-256 digests with timingSafeEqual: equal lengths whatever was
 * sent, and no early exit that would tell how much of a guess was right.
 */
function metricsToken(token: string | undefined): RequestHandler {
  if (!token) return (_req, _res, next) => next();
  const expected = createHash('sha256').update(token).digest();
  return (req, res, next) => {
    const presented = /^\s*Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1] ?? '';
    if (timingSafeEqual(createHash('sha256').update(presented).digest(), expected)) return next();
    res.set('WWW-Authenticate', presented ? 'Bearer realm="metrics", error="invalid_token"' : 'Bearer realm="metrics"');
    sendProblem(
      res,
      401,
      presented ? 'TOKEN_INVALID' : 'TOKEN_MISSING',
      '/metrics needs Authorization: Bearer <METRICS_TOKEN>',
    );
  };
}
