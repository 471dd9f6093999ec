import { createHash, createHmac } from 'node:crypto';
import { type JWTPayload, SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { Redis } from 'ioredis';
import { unauthorized } from '../../errors.ts';
import { PRIVILEGES, type Privilege } from '../../groups/roles.ts';
import { TtlCache } from '../../cache.ts';
import type { Clock } from '../../clock.ts';
import type { CoalescedReads } from '../../redis/coalesced-reads.ts';
import { DependencyUnavailableError } from '../../redis/connection.ts';

export const MIN_TOKEN_MINUTES = 1;
export const MAX_TOKEN_MINUTES = 120;
export const DEFAULT_TOKEN_MINUTES = 20;
const CLOCK_TOLERANCE_SECONDS = 5;
/**
 * How far in the future a token's issue time may be: the clocks of several connector processes may
 * differ a little, and RFC 7519 §4.1.4 suggests a leeway of "no more than a few minutes" for such
 * skew. 60 s covers machines kept by NTP; a later issue time is no token this connector issued.
 */
const IAT_SKEW_SECONDS = 60;

// The token is a JWT (RFC 7519, HS256, signed and checked by jose) kept under 255 characters
// (docs/api/authentication.md, "Token format"): the header names only the algorithm, and the claims
// are short and few, since each character of JSON costs 4/3 in base64url:
//   s  subject: the member's user id, or the API key's id
//   g  the group id
//   r  privileges as a bit mask over PRIVILEGES (apps/core/groups/roles.ts; new ones are appended)
//   i  issued at, in milliseconds (revocation compares it with a "revoked before" time)
//   m  lifetime in minutes (1–120); the expiry is i + m minutes
// A member of a group with a 120-minute token comes to 201 characters (test/unit/auth-tokens.unit.test.ts).
// The issuer/audience claims of the earlier format are replaced by a key of its own: the signing key
// is first put through HMAC with a label, so no other value the connector signs with TOKEN_SIGNING_KEY
// (cookies, CSRF tokens) can ever pass as an authorization token.
const TOKEN_KEY_LABEL = 'oauth-export-connector authorization token v2';

/** The key authorization tokens are signed with, derived from TOKEN_SIGNING_KEY. */
export function authTokenKey(signingKey: Uint8Array): Uint8Array {
  return createHmac('sha256', signingKey).update(TOKEN_KEY_LABEL).digest();
}

/** Privileges as the token's bit mask: bit k is PRIVILEGES[k]. */
function privilegeMask(privileges: readonly Privilege[]): number {
  return privileges.reduce((mask, p) => mask | (1 << PRIVILEGES.indexOf(p)), 0);
}

function privilegesOf(mask: number): Privilege[] {
  return PRIVILEGES.filter((_, bit) => (mask & (1 << bit)) !== 0);
}

/**
 * The token's id (what logout, revocation, audit rows and the CSRF token name): the token carries
 * none, to stay short, so it is taken from the token's own signature, which no other token shares.
 */
export function tokenIdOf(token: string): string {
  const signature = token.slice(token.lastIndexOf('.') + 1);
  return `tok_${createHash('sha256').update(signature).digest('base64url').slice(0, 22)}`;
}

export interface AuthTokenClaims {
  /** Token id: what logout and revocation name (tokenIdOf). */
  tokenId: string;
  userId: string;
  groupId: string;
  privileges: Privilege[];
  issuedAt: Date;
  expiresAt: Date;
}

/** Issues a signed (HS256) authorization token for one member (or API key) of one group. */
export async function issueAuthToken(
  signingKey: Uint8Array,
  subject: { userId: string; groupId: string; privileges: readonly Privilege[] },
  minutes: number,
  now: Date,
): Promise<{ token: string; claims: AuthTokenClaims }> {
  const issuedAt = now.getTime();
  const token = await new SignJWT({
    s: subject.userId,
    g: subject.groupId,
    r: privilegeMask(subject.privileges),
    i: issuedAt,
    m: minutes,
  })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(authTokenKey(signingKey));
  return {
    token,
    claims: {
      tokenId: tokenIdOf(token),
      userId: subject.userId,
      groupId: subject.groupId,
      privileges: PRIVILEGES.filter((p) => subject.privileges.includes(p)),
      issuedAt: now,
      expiresAt: new Date(issuedAt + minutes * 60_000),
    },
  };
}

// Tokens already verified: a console or server presents the same token on every request, and
// verifying its signature costs ≈ 270 µs of CPU (measured), the largest cost of an authenticated
// request. A hit is only a token string that verified before and has not expired by the clock;
// revocation is still checked in Redis on every request. Bounded; oldest out first. No entry
// outlives the longest token, so the cache's own age limit never serves an expired one.
const VERIFIED_CACHE_LIMIT = 10_000;

/** `verifyAuthToken` with the signing key of this process and a cache of tokens that verified. */
export class AuthTokenVerifier {
  readonly #verified: TtlCache<AuthTokenClaims>;

  readonly #key: Uint8Array;

  constructor(signingKey: Uint8Array, clock: Clock) {
    this.#key = authTokenKey(signingKey);
    this.#verified = new TtlCache(clock, {
      ttlMs: (MAX_TOKEN_MINUTES * 60 + CLOCK_TOLERANCE_SECONDS) * 1000,
      maxEntries: VERIFIED_CACHE_LIMIT,
    });
  }

  /** Verifies signature, issuer, audience and lifetime at `now`; throws 401 with a reason code. */
  async verify(token: string, now: Date): Promise<AuthTokenClaims> {
    const known = this.#verified.get(token);
    if (known && now.getTime() < known.expiresAt.getTime() + CLOCK_TOLERANCE_SECONDS * 1000) return known;
    this.#verified.delete(token);
    return this.#verified.set(token, await verifyTokenWithKey(this.#key, token, now));
  }

  close(): void {
    this.#verified.clear();
  }
}

/** Verifies signature, claims and lifetime; throws 401 with a reason code (uncached). */
export function verifyAuthToken(signingKey: Uint8Array, token: string, now: Date): Promise<AuthTokenClaims> {
  return verifyTokenWithKey(authTokenKey(signingKey), token, now);
}

async function verifyTokenWithKey(key: Uint8Array, token: string, now: Date): Promise<AuthTokenClaims> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key, { algorithms: ['HS256'] }));
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) {
      throw unauthorized('TOKEN_INVALID', 'The authorization token is not valid');
    }
    throw error;
  }
  const { s, g, r, i, m } = payload;
  if (
    typeof s !== 'string' ||
    typeof g !== 'string' ||
    !Number.isSafeInteger(r) ||
    !Number.isSafeInteger(i) ||
    !Number.isSafeInteger(m)
  ) {
    throw unauthorized('TOKEN_INVALID', 'The authorization token is malformed');
  }
  const [mask, issuedAt, minutes] = [r as number, i as number, m as number];
  // What issueAuthToken could have signed, and nothing else: issued no later than now (RFC 7519
  // §4.1.6) and for 1–120 minutes (docs/api/authentication.md: duration 1–120).
  if (issuedAt > now.getTime() + IAT_SKEW_SECONDS * 1000) {
    throw unauthorized('TOKEN_INVALID', 'The authorization token is not valid yet');
  }
  if (minutes < MIN_TOKEN_MINUTES || minutes > MAX_TOKEN_MINUTES) {
    throw unauthorized('TOKEN_INVALID', 'The authorization token claims a longer lifetime than any token is given');
  }
  const expiresAt = issuedAt + minutes * 60_000;
  if (now.getTime() >= expiresAt + CLOCK_TOLERANCE_SECONDS * 1000) {
    throw unauthorized('TOKEN_EXPIRED', 'The authorization token has expired; request a new one');
  }
  return {
    tokenId: tokenIdOf(token),
    userId: s,
    groupId: g,
    privileges: privilegesOf(mask),
    issuedAt: new Date(issuedAt),
    expiresAt: new Date(expiresAt),
  };
}

// Revocation lives in Redis, shared by every API process, and only for as long as a token could
// still be valid (at most 120 minutes): a deny list of token ids, and per member and group a
// "revoked before" time that kills every token issued earlier (member removed, password changed).
const revokedKey = (tokenId: string) => `auth:revoked:${tokenId}`;
const revokedBeforeKey = (userId: string, groupId: string) => `auth:revoked-before:${groupId}:${userId}`;
const REVOCATION_TTL_SECONDS = MAX_TOKEN_MINUTES * 60 + 60;

/** Revokes one token until it would have expired anyway. */
export async function revokeToken(redis: Redis, claims: Pick<AuthTokenClaims, 'tokenId' | 'expiresAt'>, now: Date) {
  const ttl = Math.max(1, Math.ceil((claims.expiresAt.getTime() - now.getTime()) / 1000) + 5);
  await redis.set(revokedKey(claims.tokenId), '1', 'EX', ttl);
}

/** Revokes every token issued so far to this member for this group (in every process). */
export async function revokeMemberTokens(redis: Redis, userId: string, groupId: string, now: Date) {
  await redis.set(revokedBeforeKey(userId, groupId), String(now.getTime()), 'EX', REVOCATION_TTL_SECONDS);
}

/**
 * Throws TOKEN_REVOKED when the token was revoked on its own or with all of its member's. Fails
 * closed: when Redis cannot answer, nobody can tell whether the token was revoked, so the request
 * is refused with 503 DEPENDENCY_UNAVAILABLE rather than let through.
 */
export async function assertNotRevoked(reads: CoalescedReads, claims: AuthTokenClaims): Promise<void> {
  let single: string | null | undefined;
  let before: string | null | undefined;
  try {
    [single, before] = await reads.mget([revokedKey(claims.tokenId), revokedBeforeKey(claims.userId, claims.groupId)]);
  } catch (error) {
    throw new DependencyUnavailableError(
      'redis',
      'Cannot check whether the authorization token was revoked right now; try again shortly',
      { cause: error },
    );
  }
  if (single || (before && claims.issuedAt.getTime() <= Number(before))) {
    throw unauthorized('TOKEN_REVOKED', 'The authorization token has been revoked; sign in again');
  }
}
