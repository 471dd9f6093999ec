import { recordAudit } from '../audit.ts';
import type { Deps } from '../deps.ts';
import { AppError, unauthorized } from '../errors.ts';
import { type Privilege, ROLE_PRIVILEGES } from '../groups/roles.ts';
import { API_KEY_SUBJECT_PREFIX, apiKeyTokenPrivileges } from './api-keys/login.ts';
import { appTokenCaller, isAppToken } from './apps/app-token.ts';
import type { Caller } from './caller.ts';
import { isCsrfTokenFor } from './tokens/csrf.ts';
import { authenticateSignedRequest } from './api-keys/signature-auth.ts';
import { type AuthTokenClaims, assertNotRevoked } from './tokens/tokens.ts';

/** What `authenticate` reads: the parts of one request that carry or bind a credential. */
export type AuthDeps = Pick<Deps, 'db' | 'redis' | 'clock' | 'tokenSigningKey' | 'secretBox' | 'auth'>;

/**
 * The credentials of one request, as any HTTP layer reads them (apps/http/authenticate.ts for
 * Express). Nothing here is framework-specific: header values, the cookie token, the bytes.
 */
export interface RequestCredentials {
  /** The `Authorization` header's value, if sent. */
  authorization: string | undefined;
  /**
   * The console's `authtoken` cookie: the token when its cookie signature checks out, `false` when
   * the cookie was sent but its signature does not (refused, not ignored), undefined when absent.
   */
  cookieToken: string | false | undefined;
  /** `X-CSRF-Token` and the `csrftoken` cookie: a cookie-authenticated unsafe request repeats one in the other. */
  csrfHeader: string | undefined;
  csrfCookie: string | undefined;
  method: string;
  /** Path and query exactly as received: what a request signature covers. */
  target: string;
  /** The exact body bytes (a request signature covers them); undefined without a body. */
  rawBody: Buffer | undefined;
  ip: string | undefined;
}

/** How a Caller's credential came (Caller.via). */
type TokenVia = 'bearer' | 'cookie';

/** Checks one credential from the `Authorization` header (everything after the scheme). */
type HeaderScheme = (deps: AuthDeps, credentials: string, request: RequestCredentials) => Promise<Caller>;

/**
 * The `Authorization` schemes the API accepts, by lower-case name (RFC 9110 §11.1: schemes are
 * case-insensitive). A Map, not an object literal, so "constructor" or "__proto__" find nothing.
 */
const headerSchemes = new Map<string, HeaderScheme>([
  ['bearer', (deps, credentials, request) => authenticateBearer(deps, credentials, request.ip)],
  // Server API keys: `Authorization: Signature keyId=…,ts=…,nonce=…,sig=…` (docs/api/keys-partners-sso.md), checked in
  // api-keys/signature-auth.ts; a refusal is a 401 whose code says why (SIGNATURE_NONCE_REUSED, …).
  ['signature', signatureCaller],
]);

/** The scheme and credentials of an Authorization header value (RFC 9110 §11.6.2). */
export const AUTHORIZATION = /^\s*(\S+)\s*(.*)$/s;

/** RFC 6750 §3: tell the client which scheme to use and why the token was refused. */
export const challenge = (error: AppError) =>
  error.code === 'TOKEN_MISSING'
    ? 'Bearer realm="connector"'
    : `Bearer realm="connector", error="invalid_token", error_description="${error.code}"`;

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Authenticates a request into its Caller: an `Authorization` header (Bearer authorization token,
 * or Signature API key), else the console's `authtoken` cookie, whose unsafe requests must also
 * carry `X-CSRF-Token`. Refusals are 401 AppErrors with a reason code (TOKEN_MISSING,
 * TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_REVOKED, SIGNATURE_…), or 403 for a missing or wrong CSRF
 * token; `challenge` gives a 401's WWW-Authenticate.
 */
export async function authenticate(deps: AuthDeps, request: RequestCredentials): Promise<Caller> {
  const header = request.authorization;
  if (header !== undefined) {
    const [, scheme = '', credentials = ''] = AUTHORIZATION.exec(header) ?? [];
    const check = headerSchemes.get(scheme.toLowerCase());
    if (!check) {
      throw unauthorized(
        'TOKEN_INVALID',
        `The Authorization scheme "${scheme}" is not supported; use Bearer (authorization token) or Signature (API key)`,
      );
    }
    if (!credentials) throw unauthorized('TOKEN_MISSING', 'The Authorization header carries no credential');
    return check(deps, credentials, request);
  }
  const cookie = request.cookieToken;
  if (cookie === false) throw unauthorized('TOKEN_INVALID', 'The authtoken cookie is not valid; sign in again');
  if (cookie === undefined) {
    throw unauthorized('TOKEN_MISSING', 'Send an authorization token: Authorization: Bearer <token>');
  }
  const caller = await tokenCaller(deps, cookie, 'cookie', request.ip);
  if (UNSAFE_METHODS.has(request.method)) assertCsrf(deps, request, caller);
  return caller;
}

/**
 * The Caller of a Bearer credential (the text after the scheme) from a client at `ip`: a
 * third-party app's opaque access token (apps/app-token.ts, told apart by its shape), else the
 * connector's own authorization token.
 */
export function authenticateBearer(deps: AuthDeps, credentials: string, ip: string | undefined): Promise<Caller> {
  const token = credentials.trim();
  if (isAppToken(token)) return appTokenCaller(deps, token, ip);
  return tokenCaller(deps, token, 'bearer', ip);
}

/** Double-submit check: the header repeats the `csrftoken` cookie, which is bound to this token. */
function assertCsrf(deps: AuthDeps, request: RequestCredentials, caller: Caller): void {
  const header = request.csrfHeader;
  if (!header) {
    throw new AppError('CSRF_TOKEN_MISSING', 'Requests authenticated by cookie must send the X-CSRF-Token header', 403);
  }
  if (
    header !== request.csrfCookie ||
    !caller.tokenId ||
    !isCsrfTokenFor(deps.tokenSigningKey, caller.tokenId, header)
  ) {
    throw new AppError('CSRF_TOKEN_INVALID', 'The X-CSRF-Token header does not match this session', 403);
  }
}

/**
 * The `Signature` scheme (docs/api/keys-partners-sso.md): a server API key signs the method, the path and query as
 * sent, ts, nonce and the exact body bytes.
 */
async function signatureCaller(deps: AuthDeps, credentials: string, request: RequestCredentials): Promise<Caller> {
  const key = await authenticateSignedRequest(deps, {
    credentials,
    method: request.method,
    target: request.target,
    body: request.rawBody,
    ip: request.ip,
  });
  return {
    groupId: key.groupId,
    kind: 'api_key',
    id: key.apiKeyId,
    privileges: key.privileges,
    ip: request.ip,
    via: 'signature',
    username: key.name,
  };
}

/**
 * An authorization token's Caller: signature, lifetime and revocation checked, then the member's
 * CURRENT role in the token's group, so a removed member is refused at once and a demoted one
 * loses privileges at once (the token's privileges are only ever narrowed, never widened).
 */
async function tokenCaller(deps: AuthDeps, token: string, via: TokenVia, ip: string | undefined): Promise<Caller> {
  const { tokens, roles } = deps.auth;
  const claims = await tokens.verify(token, deps.clock.now());
  const apiKeyToken = claims.userId.startsWith(API_KEY_SUBJECT_PREFIX);
  // Asked in the same turn, so both reads go to Redis in one MGET (redis/coalesced-reads.ts).
  const [revocation, roleVersion] = await Promise.allSettled([
    assertNotRevoked(deps.auth.reads, claims),
    apiKeyToken ? Promise.resolve(null) : roles.readVersion(claims.userId, claims.groupId),
  ]);
  if (revocation.status === 'rejected') {
    if (revocation.reason instanceof AppError) await auditRefusal(deps, claims, 'user', 'TOKEN_REVOKED', ip);
    throw revocation.reason;
  }
  if (roleVersion.status === 'rejected') throw roleVersion.reason;
  // Tokens exchanged with an API key's login key act as the key, not as a member.
  const privileges = apiKeyToken
    ? await apiKeyPrivileges(deps, claims, ip)
    : await memberPrivileges(deps, claims, roleVersion.value, ip);
  return {
    groupId: claims.groupId,
    kind: apiKeyToken ? 'api_key' : 'user',
    id: claims.userId,
    privileges,
    ip,
    via,
    tokenId: claims.tokenId,
    tokenExpiresAt: claims.expiresAt,
  };
}

/** The token's privileges narrowed to the member's current role; a former member's token is revoked. */
async function memberPrivileges(
  deps: AuthDeps,
  claims: AuthTokenClaims,
  roleVersion: string | null,
  ip: string | undefined,
): Promise<Privilege[]> {
  const member = { userId: claims.userId, groupId: claims.groupId, tokenIssuedAt: claims.issuedAt };
  const role = await deps.auth.roles.cachedRole(member, roleVersion);
  if (!role) {
    await auditRefusal(deps, claims, 'user', 'NOT_A_MEMBER', ip);
    throw unauthorized('TOKEN_REVOKED', 'You are no longer a member of this group; the token was revoked');
  }
  const allowed = ROLE_PRIVILEGES[role];
  return claims.privileges.filter((p) => allowed.includes(p));
}

/** A token exchanged with an API key's login key acts as the key, and only while the key is usable. */
async function apiKeyPrivileges(deps: AuthDeps, claims: AuthTokenClaims, ip: string | undefined) {
  try {
    return await apiKeyTokenPrivileges(deps, claims);
  } catch (error) {
    if (error instanceof AppError) await auditRefusal(deps, claims, 'api_key', 'API_KEY_REVOKED', ip);
    throw error;
  }
}

function auditRefusal(
  deps: AuthDeps,
  claims: AuthTokenClaims,
  actorType: Caller['kind'],
  reason: string,
  ip: string | undefined,
): Promise<void> {
  return recordAudit(deps.db, {
    groupId: claims.groupId,
    actorType,
    actorId: claims.userId,
    action: 'auth.token.use',
    outcome: 'refused',
    reason,
    targetType: 'auth_token',
    targetId: claims.tokenId,
    ip,
  });
}
