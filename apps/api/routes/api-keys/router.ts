import { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { authenticate, requirePrivilege } from '../../../http/authenticate.ts';
import { createApiKeyRoute } from './create.ts';
import { listApiKeysRoute } from './list.ts';
import { revokeApiKeyRoute } from './revoke.ts';

/** `/v1/api-keys`: server API keys of the caller's group (privilege `api-keys:manage`). */
export function apiKeyRoutes(deps: Deps): Router {
  const router = Router();
  router.use(authenticate(deps), requirePrivilege('api-keys:manage'));
  router.post('/', createApiKeyRoute(deps));
  router.get('/', listApiKeysRoute(deps));
  router.delete('/:id', revokeApiKeyRoute(deps));
  return router;
}
