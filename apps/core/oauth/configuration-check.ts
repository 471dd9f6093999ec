import type { Caller } from '../auth/caller.ts';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { audit, requireExport } from '../exports/export-service.ts';
import { type AuthorizationEndpointCheck, checkAuthorizationEndpoint } from './check-authorization-endpoint.ts';
import { checkTokenEndpoint, type TokenEndpointCheck } from './check-token-endpoint.ts';

/** `POST /v1/exports/:id/oauth/check`'s answer (docs/api/exports.md, "Check configuration"). */
export interface ConfigurationCheck {
  authorizationEndpoint: AuthorizationEndpointCheck;
  tokenEndpoint: TokenEndpointCheck;
}

/** The longest each call of the check waits, as for a revocation (oauth/revocation.ts). */
export const CHECK_WAIT_MS = 5_000;

type CheckDeps = Pick<Deps, 'db' | 'config' | 'dispatcher' | 'secretBox' | 'logger'>;

/**
 * Checks an export's saved OAuth configuration before a manager consents: whether the
 * authorization endpoint answers, and whether the token endpoint accepts the client ID and secret
 * (a code exchange with a made-up code). Both calls run at once, each for at most CHECK_WAIT_MS
 * (or OAUTH_HTTP_TIMEOUT_SECONDS when shorter), through the process's dispatcher and address
 * policy. Nothing is stored or changed: no connection, no token; the audit row holds the verdicts only.
 */
export async function checkOAuthConfiguration(
  deps: CheckDeps,
  actor: Caller,
  exportId: string,
): Promise<ConfigurationCheck> {
  await requireExport(deps, actor.groupId, exportId);
  const stored = await deps.db.oAuthConfig.findUnique({ where: { exportId } });
  if (!stored) {
    throw new AppError(
      'OAUTH_NOT_CONFIGURED',
      'The export has no OAuth configuration to check: save one with PUT /v1/exports/:id/oauth ("Configure OAuth") first.',
    );
  }
  const waitMs = Math.min(CHECK_WAIT_MS, deps.config.OAUTH_HTTP_TIMEOUT_SECONDS * 1000);
  const [authorizationEndpoint, tokenEndpoint] = await Promise.all([
    checkAuthorizationEndpoint(deps, stored.authorizationUrl, waitMs),
    checkTokenEndpoint(deps, stored, waitMs),
  ]);
  const verdicts = {
    authorizationEndpointReachable: authorizationEndpoint.reachable,
    tokenEndpointReachable: tokenEndpoint.reachable,
    clientAuthentication: tokenEndpoint.clientAuthentication,
  };
  deps.logger.info({ exportId, ...verdicts }, 'OAuth configuration checked');
  await audit(deps, actor, 'export.oauth.check', exportId, verdicts);
  return { authorizationEndpoint, tokenEndpoint };
}
