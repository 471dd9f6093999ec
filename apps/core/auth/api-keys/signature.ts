import { hmacSha256Hex, safeEqual, sha256Hex } from '../../crypto/hashing.ts';
import { stringToSign } from '../sign-request.ts';

/**
 * Server API key request signatures (docs/api/keys-partners-sso.md):
 * `Authorization: Signature keyId=<id>,ts=<unix seconds>,nonce=<random>,sig=<hex HMAC-SHA256>` over
 * `METHOD\nPATH?QUERY\nts\nnonce\nhex SHA-256 of the body`. The string itself is built by
 * `stringToSign` in apps/core/auth/sign-request.ts, the helper users sign with, so both sides use one definition.
 */

/** How far a request's `ts` may be from the server's clock, either way. */
export const SIGNATURE_WINDOW_SECONDS = 300;

/**
 * How long a nonce is remembered: a request stamped at the far future edge of the window
 * (now + 300 s) stays acceptable until that time + 300 s, so twice the window covers every replay.
 */
export const NONCE_TTL_SECONDS = 2 * SIGNATURE_WINDOW_SECONDS;

/** Why a signed request was refused: the problem+json `code` and the audit row's reason. */
export type SignatureRefusal =
  | 'SIGNATURE_MALFORMED'
  | 'SIGNATURE_TIMESTAMP_OUT_OF_WINDOW'
  | 'SIGNATURE_KEY_UNKNOWN'
  | 'SIGNATURE_KEY_REVOKED'
  | 'SIGNATURE_KEY_EXPIRED'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_NONCE_REUSED';

/** The message a caller sees for each refusal. */
export const SIGNATURE_REFUSAL_MESSAGES: Record<SignatureRefusal, string> = {
  SIGNATURE_MALFORMED:
    'The Signature header is malformed: expected "Signature keyId=<id>,ts=<unix seconds>,nonce=<16-128 chars>,sig=<64 hex>"',
  SIGNATURE_TIMESTAMP_OUT_OF_WINDOW: `The request timestamp is more than ${SIGNATURE_WINDOW_SECONDS} seconds from the server's clock; check the caller's clock (NTP) and sign each request when it is sent`,
  SIGNATURE_KEY_UNKNOWN: 'No API key has this keyId',
  SIGNATURE_KEY_REVOKED: 'This API key has been revoked',
  SIGNATURE_KEY_EXPIRED: 'This API key has expired',
  SIGNATURE_INVALID:
    'The signature does not match: sign METHOD, PATH?QUERY, ts, nonce and the hex SHA-256 of the exact body, one per line, with the key secret',
  SIGNATURE_NONCE_REUSED: 'This nonce was already used: every signed request needs a fresh nonce (replay refused)',
};

/** The parsed parts of a `Signature` authorization header. */
export interface SignatureHeader {
  keyId: string;
  timestamp: number;
  nonce: string;
  sig: string;
}

const NONCE = /^[A-Za-z0-9\-_.~]{16,128}$/;
const KEY_ID = /^apk_[A-Za-z0-9_-]{10,64}$/;
const TIMESTAMP = /^\d{1,12}$/;
const SIG = /^[0-9a-fA-F]{64}$/;

/** Parses the credentials after the `Signature ` scheme; null when malformed (each part once, nothing else). */
export function parseSignatureHeader(credentials: string): SignatureHeader | null {
  const fields = new Map<string, string>();
  for (const part of credentials.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 1) return null;
    const name = part.slice(0, eq).trim();
    if (fields.has(name)) return null;
    fields.set(name, part.slice(eq + 1).trim());
  }
  const keyId = fields.get('keyId');
  const ts = fields.get('ts');
  const nonce = fields.get('nonce');
  const sig = fields.get('sig');
  if (fields.size !== 4 || !keyId || !ts || !nonce || !sig) return null;
  if (!KEY_ID.test(keyId) || !TIMESTAMP.test(ts) || !NONCE.test(nonce) || !SIG.test(sig)) return null;
  return { keyId, timestamp: Number(ts), nonce, sig: sig.toLowerCase() };
}

/**
 * True when `timestamp` (Unix seconds) is within ±SIGNATURE_WINDOW_SECONDS of `now`, edges
 * included, both counted in whole seconds (a caller signs with the current second).
 */
export function timestampInWindow(timestamp: number, now: Date): boolean {
  return Math.abs(Math.floor(now.getTime() / 1000) - timestamp) <= SIGNATURE_WINDOW_SECONDS;
}

/** The expected hex signature of a request. */
export function expectedSignature(
  secret: string,
  request: { method: string; target: string; timestamp: number; nonce: string; body: Buffer | undefined },
): string {
  const message = stringToSign({
    method: request.method,
    target: request.target,
    timestamp: request.timestamp,
    nonce: request.nonce,
    bodySha256: sha256Hex(request.body ?? Buffer.alloc(0)),
  });
  return hmacSha256Hex(secret, message);
}

/** Compares a presented signature with the expected one in constant time. */
export function signatureMatches(expected: string, presented: string): boolean {
  return safeEqual(expected, presented.toLowerCase());
}
