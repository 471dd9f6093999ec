import express, { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { exportRoutes } from '../exports/router.ts';
import { deliveryRoutes, exportDeliveryRoutes } from '../deliveries/router.ts';
import { engagementRoutes } from '../engagements/router.ts';
import { authRoutes } from '../auth/router.ts';
import { groupRoutes } from '../groups/router.ts';
import { refuseCredentialsInUrl } from '../../../http/credentials-in-url.ts';
import { jsonBodiesOnly } from '../../../http/json-only.ts';
import { apiKeyRoutes } from '../api-keys/router.ts';
import { auditRoutes } from '../audit/router.ts';
import { ssoConfigRoutes } from '../groups/sso/router.ts';
import { partnerRoutes } from '../partners/router.ts';
import { appRoutes, authorizedAppRoutes } from '../apps/router.ts';
import { serveOpenApi } from '../../openapi/serve.ts';

/** The largest JSON body /v1 takes (an engagement's limit); body-parser's '1mb'. */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

/** Mounts every /v1 resource. JSON bodies up to 1 MiB (the engagement limit); larger answer 413. */
export function v1Routes(deps: Deps): Router {
  const router = Router();
  // `verify` keeps the exact body bytes: a request signature covers them, not the parsed JSON.
  router.use(
    express.json({
      limit: JSON_BODY_LIMIT_BYTES,
      strict: true,
      verify: (req, _res, buf) => {
        (req as unknown as { rawBody?: Buffer }).rawBody = buf;
      },
    }),
  );
  router.use(jsonBodiesOnly);
  router.use(refuseCredentialsInUrl);
  // Public and cacheable: the OpenAPI 3.1 description of every route below (apps/api/openapi/).
  router.get('/openapi.json', serveOpenApi(deps));
  // First: the busiest route by far (one request per completed engagement).
  router.use('/engagements', engagementRoutes(deps));
  // Before /exports, so the delivery log is not authenticated twice on its way through.
  router.use('/exports/:exportId/deliveries', exportDeliveryRoutes(deps));
  router.use('/exports', exportRoutes(deps));
  router.use('/deliveries', deliveryRoutes(deps));
  // Before /auth, which would otherwise not match and answer 404.
  router.use('/auth/apps', authorizedAppRoutes(deps));
  router.use('/auth', authRoutes(deps));
  // Before the groups router, which would otherwise authenticate and then not match.
  router.use('/groups/:group/sso', ssoConfigRoutes(deps));
  router.use('/groups', groupRoutes(deps));
  router.use('/api-keys', apiKeyRoutes(deps));
  router.use('/partners', partnerRoutes(deps));
  router.use('/audit', auditRoutes(deps));
  router.use('/apps', appRoutes(deps));
  return router;
}
