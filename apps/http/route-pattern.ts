import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';

const PATTERN = Symbol('routePattern');

type Tracked = IncomingMessage & { [PATTERN]?: () => string | undefined };

/**
 * Records which route pattern an Express request matched (`/v1/exports/:id`), for the access log
 * and the request counter: never the raw path, whose ids would make a series per resource and
 * whose query may hold a secret. Express gives the matched route's own path (`req.route.path`)
 * and the mount point as it was matched (`req.baseUrl`, raw: `/v1/exports/exp_1/deliveries` for
 * a mount at `/exports/:exportId/deliveries`), and puts the mount's parameters in `req.params`
 * just before it sets `baseUrl`. So `baseUrl` is watched as the router sets it: each step down
 * is turned back into its pattern by naming the segments that are parameter values, and the
 * pattern at the moment a route matches is kept (an error answered later, by the app's problem
 * handler, still counts under the route that threw it).
 */
export const trackRoutePattern: RequestHandler = (req, _res, next) => {
  let raw = '';
  let mountPattern = '';
  const mounts: [raw: string, pattern: string][] = [['', '']];
  let route: { path?: unknown } | undefined;
  let matched: string | undefined;
  Object.defineProperties(req, {
    baseUrl: {
      configurable: true,
      enumerable: true,
      get: () => raw,
      set(value: string) {
        const known = mounts.find(([r]) => r === value);
        if (known) mountPattern = known[1];
        else {
          const deeper = value.startsWith(raw) ? raw : '';
          const base = deeper ? mountPattern : '';
          mountPattern = base + namedSegments(value.slice(deeper.length), req.params);
          mounts.push([value, mountPattern]);
        }
        raw = value;
      },
    },
    route: {
      configurable: true,
      enumerable: true,
      get: () => route,
      set(value: { path?: unknown }) {
        route = value;
        if (typeof value?.path === 'string') matched = (mountPattern + value.path).replace(/(.)\/$/, '$1');
      },
    },
  });
  (req as Tracked)[PATTERN] = () => matched;
  next();
};

/**
 * A path piece with each segment that equals a parameter's value replaced by `:name`, and the
 * others lower-cased: Express matches mount paths whatever their case (and every mount here is
 * lower case), so `/V1/Exports` must not become a series of its own.
 */
function namedSegments(path: string, params: Record<string, unknown> | undefined): string {
  const entries = Object.entries(params ?? {});
  if (!entries.length) return path.toLowerCase();
  return path
    .split('/')
    .map((segment) => {
      let decoded = segment;
      try {
        decoded = decodeURIComponent(segment);
      } catch {}
      const name = segment ? entries.find(([, v]) => v === decoded)?.[0] : undefined;
      return name ? `:${name}` : segment.toLowerCase();
    })
    .join('/');
}

/**
 * The route pattern a request was answered under: the matched Express route, `undefined` when the
 * request never reached Express (apps/server.ts then knows it was the engagement lane's), or
 * `unmatched` (a 404, an asset, a refusal before any route).
 */
export function routePatternOf(req: IncomingMessage): string | undefined {
  const pattern = (req as Tracked)[PATTERN];
  if (!pattern) return undefined;
  return pattern() ?? 'unmatched';
}
