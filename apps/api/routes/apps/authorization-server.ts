import type { RequestHandler } from 'express';
import type Provider from 'oidc-provider';
import { OAUTH2_METADATA_PATH, OAUTH2_PREFIX } from '../../../core/auth/apps/authorization-server.ts';

/**
 * Hands the authorization server's own routes to oidc-provider (apps/core/auth/apps/): its
 * endpoints under /oauth2/ and the RFC 8414 metadata. The request goes in untouched (path
 * included): oidc-provider reads its own form bodies and answers CORS by its own rules (metadata
 * and token endpoint public to any origin, docs/api/third-party-apps.md).
 */
export function authorizationServerRoutes(provider: Provider): RequestHandler {
  const handle = provider.callback();
  return (req, res, next) => {
    if (req.path === OAUTH2_METADATA_PATH || req.path.startsWith(`${OAUTH2_PREFIX}/`)) return handle(req, res);
    next();
  };
}
