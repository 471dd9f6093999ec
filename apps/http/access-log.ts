import type { IncomingMessage, RequestListener } from 'node:http';
import type { Request } from 'express';
import proxyAddr from 'proxy-addr';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import { requestIdOf } from './request-id.ts';
import { routePatternOf } from './route-pattern.ts';

const CLIENT_CLOSED = 499;

export interface ObserveOptions {
  logger: Logger;
  metrics: Pick<Metrics, 'httpRequests'>;
  /** Which peers may say who the client is (X-Forwarded-For), as Express compiled TRUST_PROXY. */
  trustProxy: Parameters<typeof proxyAddr>[1];
  /** The route a request that never reached Express was answered under (the engagement lane's). */
  laneRoute: string;
  /** The level of the lane's access lines (docs/operations.md, "Access log"). */
  laneLevel: 'info' | 'debug';
}

/**
 * Wraps the server's listener so every request, whether the engagement lane or Express answers
 * it, gets its request id (echoed as `X-Request-Id` before any handler runs), one access log line
 * and one count in `connector_http_requests_total` when its answer is done. Both carry the route
 * pattern, never the URL: a query may hold a secret (an authorization code, a one-time token).
 */
export function observeRequests(listener: RequestListener, options: ObserveOptions): RequestListener {
  const { logger, metrics, trustProxy, laneRoute, laneLevel } = options;
  return (req, res) => {
    const startedAt = performance.now();
    const requestId = requestIdOf(req, res);
    res.once('close', () => {
      const pattern = routePatternOf(req);
      const route = pattern ?? laneRoute;
      // A client that went away before any answer: 499, as nginx logs it ("client closed request").
      const status = res.headersSent ? res.statusCode : CLIENT_CLOSED;
      metrics.httpRequests.inc({ route, method: req.method ?? '', status: String(status) });
      const level = pattern === undefined ? laneLevel : 'info';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          requestId,
          method: req.method,
          route,
          status,
          durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
          groupId: (req as Partial<Request>).caller?.groupId,
          ip: clientAddress(req, trustProxy),
          ...(res.writableFinished ? {} : { aborted: true }),
        },
        'request',
      );
    });
    listener(req, res);
  };
}

function clientAddress(req: IncomingMessage, trustProxy: ObserveOptions['trustProxy']): string | undefined {
  try {
    return proxyAddr(req, trustProxy);
  } catch {
    // The socket is already gone (no remote address to read).
    return undefined;
  }
}
