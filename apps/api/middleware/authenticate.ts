import type { Request, RequestHandler } from 'express';
import { recordAudit } from '../../core/audit.ts';
import { isCsrfTokenFor } from '../../core/auth/csrf.ts';
import { type AuthTokenClaims, assertNotRevoked, verifyAuthToken } from '../../core/auth/tokens.ts';
import type { Deps } from '../../core/deps.ts';
import { AppError, unauthorized } from '../../core/errors.ts';
import { cachedRole, readRoleVersion } from '../../core/groups/role-cache.ts';
import { type Privilege, ROLE_PRIVILEGES } from '../../core/groups/roles.ts';
import { apiKeyTokenContext, isApiKeyToken, signatureContext } from './api-key-auth.ts';
import type { AuthContext } from './auth-context.ts';
import { AUTH_COOKIE, CSRF_COOKIE, CSRF_HEADER } from './session-cookies.ts';

/** Checks one credential from the `Authorization` header (everything after the scheme). */
type HeaderScheme = (deps: Deps, credentials: string, req: Request) => Promise<AuthContext>;

/**
 * The `Authorization` schemes the API accepts, by lower-case name (RFC 9110 §11.1: schemes are
 * case-insensitive). A Map, not an object literal, so "constructor" or "__proto__" find nothing.
 */
const headerSchemes = new Map<string, HeaderScheme>([
  ['bearer', (deps, credentials, req) => bearerContext(deps, credentials, req.ip)],

  // Server API keys: `Authorization: Signature keyId=…,ts=…,nonce=…,sig=…` (CONTRACT), checked
  // in api-key-auth.ts; a refusal is a 401 whose code says why (SIGNATURE_NONCE_REUSED, …).
  ['signature', signatureContext],
]);

/** RFC 6750 §3: tell the client which scheme to use and why the token was refused. */
export const challenge = (error: AppError) =>
  error.code === 'TOKEN_MISSING'
    ? 'Bearer realm="connector"'
    : `Bearer realm="connector", error="invalid_token", error_description="${error.code}"`;

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Authenticates every request of the router it is mounted on and sets `req.auth`: an
 * `Authorization` header (Bearer authorization token, or a scheme added above), else the console's
 * signed `authtoken` cookie, whose unsafe requests must also carry `X-CSRF-Token`. Refusals are
 * 401 problem+json with a reason code (TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_REVOKED),
 * or 403 for a missing or wrong CSRF token.
 *
 * Mount it inside a resource router under its own path, e.g.
 * `router.use('/exports', exportsRouter(deps))` with `exportsRouter` starting with
 * `r.use(authenticate(deps))`, so unknown /v1 paths still answer 404.
 */
export function authenticate(deps: Deps): RequestHandler {
  return async (req, res, next) => {
    try {
      req.auth = await identify(deps, req);
    } catch (error) {
      if (error instanceof AppError && error.status === 401) res.set('WWW-Authenticate', challenge(error));
      throw error;
    }
    next();
  };
}

async function identify(deps: Deps, req: Request): Promise<AuthContext> {
  const header = req.get('authorization');
  if (header !== undefined) {
    const [, scheme = '', credentials = ''] = /^\s*(\S+)\s*(.*)$/s.exec(header) ?? [];
    const check = headerSchemes.get(scheme.toLowerCase());
    if (!check) {
      throw unauthorized(
        'TOKEN_INVALID',
        `The Authorization scheme "${scheme}" is not supported; use Bearer (authorization token) or Signature (API key)`,
      );
    }
    if (!credentials) throw unauthorized('TOKEN_MISSING', 'The Authorization header carries no credential');
    return check(deps, credentials, req);
  }
  const cookie = readAuthCookie(req);
  if (cookie === undefined) {
    throw unauthorized('TOKEN_MISSING', 'Send an authorization token: Authorization: Bearer <token>');
  }
  const auth = await authTokenContext(deps, cookie, 'cookie', req.ip);
  if (UNSAFE_METHODS.has(req.method)) assertCsrf(deps, req, auth);
  return auth;
}

/** The context of a Bearer credential (the text after the scheme) from a client at `ip`. */
export function bearerContext(deps: Deps, credentials: string, ip: string | undefined): Promise<AuthContext> {
  return authTokenContext(deps, credentials.trim(), 'bearer', ip);
}

/** The signed cookie's token; a cookie whose signature does not check out is refused, not ignored. */
function readAuthCookie(req: Request): string | undefined {
  const signed = (req.signedCookies as Record<string, string | false> | undefined)?.[AUTH_COOKIE];
  if (typeof signed === 'string' && signed) return signed;
  if (signed === false || (req.cookies as Record<string, string> | undefined)?.[AUTH_COOKIE] !== undefined) {
    throw unauthorized('TOKEN_INVALID', 'The authtoken cookie is not valid; sign in again');
  }
  return undefined;
}

/** Double-submit check: the header repeats the `csrftoken` cookie, which is bound to this token. */
function assertCsrf(deps: Deps, req: Request, auth: AuthContext): void {
  const header = req.get(CSRF_HEADER);
  const cookie = (req.cookies as Record<string, string> | undefined)?.[CSRF_COOKIE];
  if (!header) {
    throw new AppError('CSRF_TOKEN_MISSING', 'Requests authenticated by cookie must send the X-CSRF-Token header', 403);
  }
  if (header !== cookie || !auth.tokenId || !isCsrfTokenFor(deps.tokenSigningKey, auth.tokenId, header)) {
    throw new AppError('CSRF_TOKEN_INVALID', 'The X-CSRF-Token header does not match this session', 403);
  }
}

/**
 * An authorization token's context: signature, lifetime and revocation checked, then the member's
 * CURRENT role in the token's group, so a removed member is refused at once and a demoted one
 * loses privileges at once (the token's privileges are only ever narrowed, never widened).
 */
async function authTokenContext(
  deps: Deps,
  token: string,
  via: 'bearer' | 'cookie',
  ip: string | undefined,
): Promise<AuthContext> {
  const claims = await verifyAuthToken(deps.tokenSigningKey, token, deps.clock.now());
  const apiKeyToken = isApiKeyToken(claims);
  // Asked in the same turn, so both reads go to Redis in one MGET (coalesced-reads.ts).
  const [revocation, roleVersion] = await Promise.allSettled([
    assertNotRevoked(deps.redis, claims),
    apiKeyToken ? Promise.resolve(null) : readRoleVersion(deps.redis, claims.userId, claims.groupId),
  ]);
  if (revocation.status === 'rejected') {
    if (revocation.reason instanceof AppError) await auditRefusal(deps, claims, 'TOKEN_REVOKED', ip);
    throw revocation.reason;
  }
  if (roleVersion.status === 'rejected') throw roleVersion.reason;
  // Tokens exchanged with an API key's login key act as the key, not as a member.
  if (apiKeyToken) return apiKeyTokenContext(deps, claims, via, ip);
  const privileges = await memberPrivileges(deps, claims, roleVersion.value, ip);
  return {
    kind: 'user',
    groupId: claims.groupId,
    privileges,
    via,
    userId: claims.userId,
    username: claims.username,
    tokenId: claims.tokenId,
    tokenExpiresAt: claims.expiresAt,
  };
}

/** The token's privileges narrowed to the member's current role; a former member's token is revoked. */
async function memberPrivileges(
  deps: Deps,
  claims: AuthTokenClaims,
  roleVersion: string | null,
  ip: string | undefined,
): Promise<Privilege[]> {
  const member = { userId: claims.userId, groupId: claims.groupId, tokenIssuedAt: claims.issuedAt };
  const role = await cachedRole(deps.db, member, roleVersion, deps.clock.now());
  if (!role) {
    await auditRefusal(deps, claims, 'NOT_A_MEMBER', ip);
    throw unauthorized('TOKEN_REVOKED', 'You are no longer a member of this group; the token was revoked');
  }
  const allowed = ROLE_PRIVILEGES[role];
  return claims.privileges.filter((p) => allowed.includes(p));
}

function auditRefusal(deps: Deps, claims: AuthTokenClaims, reason: string, ip: string | undefined): Promise<void> {
  return recordAudit(deps.db, {
    groupId: claims.groupId,
    actorType: 'user',
    actorId: claims.userId,
    action: 'auth.token.use',
    outcome: 'refused',
    reason,
    targetType: 'auth_token',
    targetId: claims.tokenId,
    ip,
  });
}
