import { createHmac } from 'node:crypto';
import type { RequestListener } from 'node:http';
import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import type { Deps } from './core/deps.ts';
import { engagementLane } from './api/engagement-lane.ts';
import { notFoundHandler, problemHandler } from './http/problem.ts';
import { refuseNulInUrl } from './http/nul-characters.ts';
import { consoleRoutes } from './console/router.ts';
import { healthRoutes } from './api/routes/ops/health.ts';
import { metricsRoutes } from './api/routes/ops/metrics.ts';
import { oauthCallbackRoutes } from './api/routes/oauth-callback/router.ts';
import { v1Routes } from './api/routes/v1/index.ts';
import { cors } from './http/cors.ts';
import { securityHeaders } from './http/security-headers.ts';
import { ssoBrowserRoutes } from './api/routes/sso/router.ts';
import { docsRoutes } from './docs/router.ts';
import { sdkRoutes } from './sdk/router.ts';
import { createAuthorizationServer } from './core/auth/apps/authorization-server.ts';
import { authorizationServerRoutes } from './api/routes/apps/authorization-server.ts';
import { operatorQueuesRoutes, OPERATOR_QUEUES_PATH } from './api/routes/ops/operator-queues.ts';
import { observeRequests } from './http/access-log.ts';
import { trackRoutePattern } from './http/route-pattern.ts';
import { renderPagesFor } from './http/views/layout.ts';
import { ENGAGEMENTS_PATH } from './api/routes/engagements/handle.ts';

/**
 * What the HTTP server runs: the engagement lane for the common `POST /v1/engagements`, the
 * Express application for everything else (engagement-lane.ts says why). Every request of
 * either gets its request id, an access log line and its count (apps/http/access-log.ts).
 */
export function createRequestListener(deps: Deps): RequestListener {
  const app = createApp(deps);
  return observeRequests(engagementLane(deps, app), {
    logger: deps.logger,
    metrics: deps.metrics,
    trustProxy: app.get('trust proxy fn'),
    laneRoute: ENGAGEMENTS_PATH,
    laneLevel: LANE_ACCESS_LOG_LEVEL,
  });
}

/**
 * The engagement lane's access lines are logged at this level (docs/operations.md, "Access log"),
 * every other request's at info.
 */
const LANE_ACCESS_LOG_LEVEL = 'info';

/** The Express application: admin API under /v1, the OAuth callback, the console and operations. */
export function createApp(deps: Deps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Problem answers name their `type` page under PUBLIC_URL (apps/http/problem.ts).
  app.locals.publicUrl = deps.config.PUBLIC_URL;
  // API answers are not cached by validators; hashing every body for an ETag is wasted work.
  app.set('etag', false);
  // Which peer may say who the client is (X-Forwarded-For): TRUST_PROXY, default loopback
  // (config.ts). The engagement lane reads the same compiled setting (engagement-lane.ts).
  app.set('trust proxy', deps.config.TRUST_PROXY);
  app.set('query parser', 'simple');
  app.use(trackRoutePattern);
  // Console pages name PUBLIC_URL's origin, so one opened elsewhere can say so (layout.ts).
  app.use(renderPagesFor(deps.config.PUBLIC_URL));
  // The queues dashboard brings its own security headers: its page needs inline styles, which
  // no other page may use (operator-queues.ts).
  const operatorQueues = operatorQueuesRoutes(deps);
  if (operatorQueues) app.use(OPERATOR_QUEUES_PATH, operatorQueues);
  app.use(securityHeaders);
  app.use(cookieParser(cookieSecret(deps.tokenSigningKey)));
  app.use(refuseNulInUrl);
  // The API first: every engagement comes through here, and no other mount below matches /v1.
  app.use('/v1', cors(deps), v1Routes(deps));
  // The authorization server for third-party apps (/oauth2/*, RFC 8414 metadata); its sign-in and
  // consent are console pages (docs/api/third-party-apps.md).
  const authorizationServer = createAuthorizationServer(deps);
  app.use(authorizationServerRoutes(authorizationServer));
  app.use(healthRoutes(deps));
  app.use(metricsRoutes(deps));
  app.use('/console', consoleRoutes(deps, authorizationServer));
  app.get('/', (_req, res) => res.redirect(303, '/console/exports'));
  app.use('/oauth/callback', oauthCallbackRoutes(deps));
  app.use('/sso', ssoBrowserRoutes(deps));
  app.use('/docs', docsRoutes());
  app.use('/sdk', sdkRoutes());
  app.use(notFoundHandler);
  app.use(problemHandler(deps.logger));
  return app;
}

/** The key that signs cookies, derived from the token-signing key so there is one secret to manage. */
export function cookieSecret(tokenSigningKey: Uint8Array): string {
  return createHmac('sha256', tokenSigningKey).update('cookie-signing').digest('base64url');
}
