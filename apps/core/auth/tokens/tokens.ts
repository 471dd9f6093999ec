import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import type { Redis } from 'ioredis';
import { unauthorized } from '../../errors.ts';
import type { Privilege } from '../../groups/roles.ts';
import { newId } from '../../ids.ts';
import { TtlCache } from '../../cache.ts';
import type { Clock } from '../../clock.ts';
import type { CoalescedReads } from '../../redis/coalesced-reads.ts';
import { DependencyUnavailableError } from '../../redis/connection.ts';

const ISSUER = 'oauth-export-connector';
const AUDIENCE = 'connector-api';
export const MIN_TOKEN_MINUTES = 1;
export const MAX_TOKEN_MINUTES = 120;
export const DEFAULT_TOKEN_MINUTES = 20;
const CLOCK_TOLERANCE_SECONDS = 5;
/**
 * How far in the future a token's `iat` may be: the clocks of several connector processes may
 * differ a little, and RFC 7519 §4.1.4 suggests a leeway of "no more than a few minutes" for such
 * skew. 60 s covers machines kept by NTP; a later `iat` is no token this connector issued.
 */
const IAT_SKEW_SECONDS = 60;

export interface AuthTokenClaims {
  /** Token id (jti): what logout and revocation name. */
  tokenId: string;
  userId: string;
  username: string;
  groupId: string;
  privileges: Privilege[];
  issuedAt: Date;
  expiresAt: Date;
}

/** Issues a signed (HS256) authorization token for one member of one group. */
export async function issueAuthToken(
  key: Uint8Array,
  subject: { userId: string; username: string; groupId: string; privileges: readonly Privilege[] },
  minutes: number,
  now: Date,
): Promise<{ token: string; claims: AuthTokenClaims }> {
  const tokenId = newId('tok');
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = issuedAt + minutes * 60;
  const token = await new SignJWT({
    grp: subject.groupId,
    prv: subject.privileges,
    usr: subject.username,
    iam: now.getTime(),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(subject.userId)
    .setJti(tokenId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(key);
  return {
    token,
    claims: {
      tokenId,
      userId: subject.userId,
      username: subject.username,
      groupId: subject.groupId,
      privileges: [...subject.privileges],
      issuedAt: now,
      expiresAt: new Date(expiresAt * 1000),
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

  constructor(
    private readonly key: Uint8Array,
    clock: Clock,
  ) {
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
    return this.#verified.set(token, await verifyAuthToken(this.key, token, now));
  }

  close(): void {
    this.#verified.clear();
  }
}

/** Verifies signature, issuer, audience and lifetime; throws 401 with a reason code (uncached). */
export async function verifyAuthToken(key: Uint8Array, token: string, now: Date): Promise<AuthTokenClaims> {
  try {
    const { payload } = await jwtVerify(token, key, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      currentDate: now,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    if (
      typeof payload.jti !== 'string' ||
      typeof payload.sub !== 'string' ||
      typeof payload.grp !== 'string' ||
      !Array.isArray(payload.prv) ||
      typeof payload.iat !== 'number' ||
      typeof payload.exp !== 'number'
    ) {
      throw unauthorized('TOKEN_INVALID', 'The authorization token is malformed');
    }
    // What issueAuthToken could have signed, and nothing else: issued no later than now (RFC 7519
    // §4.1.6), for at most MAX_TOKEN_MINUTES (docs/api/authentication.md: duration 1–120), and with `iam` inside the
    // second `iat` names (revocation compares `iam`, so it must not be moved past a revocation).
    const nowSeconds = Math.floor(now.getTime() / 1000);
    if (payload.iat > nowSeconds + IAT_SKEW_SECONDS) {
      throw unauthorized('TOKEN_INVALID', 'The authorization token is not valid yet');
    }
    if (payload.exp - payload.iat > MAX_TOKEN_MINUTES * 60 || payload.exp <= payload.iat) {
      throw unauthorized('TOKEN_INVALID', 'The authorization token claims a longer lifetime than any token is given');
    }
    if (
      payload.iam !== undefined &&
      (typeof payload.iam !== 'number' || Math.floor(payload.iam / 1000) !== payload.iat)
    ) {
      throw unauthorized('TOKEN_INVALID', 'The authorization token is malformed');
    }
    return {
      tokenId: payload.jti,
      userId: payload.sub,
      username: String(payload.usr ?? ''),
      groupId: payload.grp,
      privileges: payload.prv as Privilege[],
      // `iam` is the issue time in milliseconds: `iat` has whole seconds, too coarse for revocation.
      issuedAt: new Date(typeof payload.iam === 'number' ? payload.iam : payload.iat * 1000),
      expiresAt: new Date(payload.exp * 1000),
    };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) {
      throw unauthorized('TOKEN_EXPIRED', 'The authorization token has expired; request a new one');
    }
    if (error instanceof joseErrors.JOSEError) {
      throw unauthorized('TOKEN_INVALID', 'The authorization token is not valid');
    }
    throw error;
  }
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
