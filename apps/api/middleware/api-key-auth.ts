import type { Request } from 'express';
import { recordAudit } from '../../core/audit.ts';
import { API_KEY_SUBJECT_PREFIX, apiKeyTokenPrivileges } from '../../core/auth/api-keys-login.ts';
import { authenticateSignedRequest } from '../../core/auth/signature-auth.ts';
import type { AuthTokenClaims } from '../../core/auth/tokens.ts';
import type { Deps } from '../../core/deps.ts';
import { AppError } from '../../core/errors.ts';
import type { AuthContext } from './auth-context.ts';

/**
 * The `Signature` scheme of `authenticate` (CONTRACT): a server API key signs the method, the
 * path and query as sent (`originalUrl`), ts, nonce and the exact body bytes (`req.rawBody`,
 * kept by the JSON parser's `verify` in routes/v1/index.ts).
 */
export async function signatureContext(deps: Deps, credentials: string, req: Request): Promise<AuthContext> {
  const caller = await authenticateSignedRequest(deps, {
    credentials,
    method: req.method,
    target: req.originalUrl,
    body: req.rawBody,
    ip: req.ip,
  });
  return {
    kind: 'api_key',
    groupId: caller.groupId,
    privileges: caller.privileges,
    via: 'signature',
    apiKeyId: caller.apiKeyId,
    username: caller.name,
  };
}

/** True for authorization tokens issued to an API key (by its login key) rather than to a member. */
export function isApiKeyToken(claims: AuthTokenClaims): boolean {
  return claims.userId.startsWith(API_KEY_SUBJECT_PREFIX);
}

/** A token exchanged with an API key's login key acts as the key, and only while the key is usable. */
export async function apiKeyTokenContext(
  deps: Deps,
  claims: AuthTokenClaims,
  via: 'bearer' | 'cookie',
  ip: string | undefined,
): Promise<AuthContext> {
  let privileges: AuthContext['privileges'];
  try {
    privileges = await apiKeyTokenPrivileges(deps, claims);
  } catch (error) {
    if (error instanceof AppError) {
      await recordAudit(deps.db, {
        groupId: claims.groupId,
        actorType: 'api_key',
        actorId: claims.userId,
        action: 'auth.token.use',
        outcome: 'refused',
        reason: 'API_KEY_REVOKED',
        targetType: 'auth_token',
        targetId: claims.tokenId,
        ip,
      });
    }
    throw error;
  }
  return {
    kind: 'api_key',
    groupId: claims.groupId,
    privileges,
    via,
    apiKeyId: claims.userId,
    username: claims.username,
    tokenId: claims.tokenId,
    tokenExpiresAt: claims.expiresAt,
  };
}
