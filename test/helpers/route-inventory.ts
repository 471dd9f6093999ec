import type { Express } from 'express';

/** One route the application answers, e.g. `{method: 'PATCH', path: '/v1/exports/:id'}`. */
export interface AppRoute {
  method: string;
  path: string;
  /** `METHOD /path`, the key route tables use. */
  key: string;
}

// The parts of Express 5's router (the `router` package, 2.x) this walk reads. They are not in
// @types/express, hence this narrow description; `rawPath` is the path given to `use`/`route`.
interface RouterLayer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
}

/**
 * Every route of an Express 5 application, found by walking its router stack through every
 * mounted router (`app.use('/v1', router)` inside `router.use('/exports', …)` …), so a test built
 * on it covers routes added after it was written. Static file servers and plain middleware are
 * not routes and are left out; HEAD (implied by GET) and `all` are not listed as methods.
 */
export function listRoutes(app: Express): AppRoute[] {
  // @types/express describes Express 4's layers (no `methods`, no `rawPath`), so the stack is read
  // as the router package 2.x builds it (RouterLayer above), and checked below.
  const root = (app as unknown as { router?: { stack?: RouterLayer[] } }).router;
  if (!root?.stack) throw new Error('This is not an Express 5 application: it has no `app.router.stack` to walk');
  const routes = new Map<string, AppRoute>();
  walk(root.stack, '', routes);
  return [...routes.values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

function walk(stack: RouterLayer[], prefix: string, out: Map<string, AppRoute>): void {
  for (const layer of stack) {
    if (layer.route) {
      const path = joinPath(prefix, pathText(layer.route.path));
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (!on || method === '_all' || method === 'head') continue;
        const key = `${method.toUpperCase()} ${path}`;
        out.set(key, { method: method.toUpperCase(), path, key });
      }
    } else if (Array.isArray(layer.handle?.stack)) {
      walk(layer.handle.stack, joinPath(prefix, pathText(layer.rawPath ?? '/')), out);
    }
  }
}

/** A mount path as text; regular expressions and path arrays cannot be enumerated, so they fail loudly. */
function pathText(path: unknown): string {
  if (typeof path === 'string') return path;
  throw new Error(`A route is mounted on ${String(path)}: only string paths can be listed; mount it on a string path`);
}

function joinPath(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/** The `:name` parameters of a route path, in order. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
}

/** Fills a route path's parameters (URL-encoded); a parameter without a value throws, naming the route. */
export function fillPath(route: AppRoute, values: Record<string, string>): string {
  return route.path.replace(/:(\w+)/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No value for :${name} of ${route.key}`);
    return encodeURIComponent(value);
  });
}
