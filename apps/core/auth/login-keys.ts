import type { Redis } from 'ioredis';
import { hmacSha256Hex, safeEqual } from '../crypto/hashing.ts';
import { claimOnce } from './nonces.ts';
import type { SignInAttempt } from './sign-in-limiter.ts';
import { loginKeyMessage } from './sign-request.ts';

/**
 * Login keys: `<expiresAt>.<hex HMAC-SHA256>` over `loginKeyMessage(subject, expiresAt)` (see
 * sign-request.ts), keyed with a server API key's secret (subject `[keyId]`) or a partner's secret
 * (subject `[partnerId, partnerUserId]`). The secret never travels; what does is short-lived and
 * accepted once, so a login key caught in a log or a proxy is worth nothing afterwards.
 */

/** How far ahead a login key may expire: it is a one-time pass, not a standing credential. */
export const LOGIN_KEY_MAX_LIFETIME_SECONDS = 3600;

/** Why a login key was refused: the problem+json `code` and the audit reason. */
export type LoginKeyRefusal =
  | 'LOGIN_KEY_MALFORMED'
  | 'LOGIN_KEY_EXPIRED'
  | 'LOGIN_KEY_TOO_LONG_LIVED'
  | 'LOGIN_KEY_INVALID'
  | 'LOGIN_KEY_REUSED';

/** The message a caller sees for each refusal. */
export const LOGIN_KEY_REFUSAL_MESSAGES: Record<LoginKeyRefusal, string> = {
  LOGIN_KEY_MALFORMED: 'The login key is malformed: expected "<expiresAt unix seconds>.<64 hex HMAC-SHA256>"',
  LOGIN_KEY_EXPIRED: 'The login key has expired; make a new one',
  LOGIN_KEY_TOO_LONG_LIVED: `A login key may expire at most ${LOGIN_KEY_MAX_LIFETIME_SECONDS} seconds from now`,
  LOGIN_KEY_INVALID: 'The login key does not match: HMAC-SHA256 with the secret over the documented message',
  LOGIN_KEY_REUSED: 'This login key was already used; each login key is accepted once',
};

const FORMAT = /^(\d{1,12})\.([0-9a-fA-F]{64})$/;

/** Checks a login key's shape, expiry and HMAC (no side effect); returns its expiry or the refusal. */
export function checkLoginKey(
  secret: string,
  subject: readonly string[],
  loginKey: string,
  now: Date,
): { expiresAt: number } | { refusal: LoginKeyRefusal } {
  const match = FORMAT.exec(loginKey);
  if (!match) return { refusal: 'LOGIN_KEY_MALFORMED' };
  const expiresAt = Number(match[1]);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (expiresAt <= nowSeconds) return { refusal: 'LOGIN_KEY_EXPIRED' };
  if (expiresAt - nowSeconds > LOGIN_KEY_MAX_LIFETIME_SECONDS) return { refusal: 'LOGIN_KEY_TOO_LONG_LIVED' };
  const expected = hmacSha256Hex(secret, loginKeyMessage(subject, expiresAt));
  if (!safeEqual(expected, String(match[2]).toLowerCase())) return { refusal: 'LOGIN_KEY_INVALID' };
  return { expiresAt };
}

/** Marks a checked login key as used (in Redis, for every API process); false when it already was. */
export function consumeLoginKey(redis: Redis, loginKey: string, expiresAt: number, now: Date): Promise<boolean> {
  return claimOnce(redis, 'login-key', loginKey.toLowerCase(), expiresAt - Math.floor(now.getTime() / 1000) + 1);
}

/**
 * The sign-in limiter's account for a login key (sign-in-limiter.ts): the API key, or the partner's
 * user, it would sign in. Every check of a login key takes an attempt first, as a password does;
 * guesses spread over many partner users are bounded by the per-address limit.
 */
export function loginKeyAttempt(
  subject: { apiKeyId: string } | { partnerId: string; partnerUserId: string },
  ip: string,
): SignInAttempt {
  return {
    subject:
      'apiKeyId' in subject ? `api-key:${subject.apiKeyId}` : `partner:${subject.partnerId}:${subject.partnerUserId}`,
    ip,
  };
}
