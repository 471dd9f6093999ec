/**
 * The connector's signing helper for its users: signs API requests with a server API key and
 * makes login keys, exactly as the server checks them (apps/core/auth/api-keys/signature.ts uses
 * `stringToSign` and `loginKeyMessage` from this file, so client and server cannot drift apart).
 *
 * It imports nothing: copy this one file into a project, or import it from the connector's
 * checkout. It uses Web Crypto (`globalThis.crypto.subtle`), so it runs on Node 20+, Deno, Bun,
 * Cloudflare Workers and in browsers (though a browser should never hold a key's secret).
 *
 * The signed string (docs/api/keys-partners-sso.md) is five lines joined by "\n":
 *   METHOD            upper case, e.g. POST
 *   PATH?QUERY        the request target exactly as sent: /v1/engagements, or /v1/x?a=1 (no "?" without a query)
 *   ts                Unix time in seconds; the server accepts ±300 s
 *   nonce             16–128 characters of A–Z a–z 0–9 - _ . ~ ; each nonce is accepted once
 *   SHA-256(body)     lower-case hex of the exact body bytes (of the empty string when there is no body)
 * and `sig` is the lower-case hex HMAC-SHA256 of that string keyed with the key's secret (its UTF-8 bytes).
 */

/** What `stringToSign` needs; `bodySha256` is the lower-case hex SHA-256 of the exact body bytes. */
export interface SignedParts {
  method: string;
  /** Path and query exactly as sent (`/v1/exports?cursor=abc`). */
  target: string;
  timestamp: number;
  nonce: string;
  bodySha256: string;
}

/** The string a request signature covers (docs/api/keys-partners-sso.md: `METHOD\nPATH?QUERY\nts\nnonce\nhex SHA-256 of the body`). */
export function stringToSign(parts: SignedParts): string {
  return [parts.method.toUpperCase(), parts.target, String(parts.timestamp), parts.nonce, parts.bodySha256].join('\n');
}

/**
 * The message a login key signs: "login", the subject's parts and the expiry, one per line.
 * For a server API key the subject is `[keyId]`; for a partner user `[partnerId, partnerUserId]`.
 * The leading "login" line keeps a login key from ever equalling a request signature.
 */
export function loginKeyMessage(subject: readonly string[], expiresAt: number): string {
  return ['login', ...subject, String(expiresAt)].join('\n');
}

const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

function bodyBytes(body: string | Uint8Array | undefined): Uint8Array {
  if (body === undefined) return new Uint8Array();
  return typeof body === 'string' ? encoder.encode(body) : body;
}

/** Lower-case hex SHA-256. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', bodyBytes(data) as Uint8Array<ArrayBuffer>));
}

/** Lower-case hex HMAC-SHA256 of `message` keyed with the UTF-8 bytes of `secret`. */
export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return hex(await crypto.subtle.sign('HMAC', key, encoder.encode(message)));
}

/** A fresh nonce: 16 random bytes as base64url (22 characters). */
export function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export interface SignRequestInput {
  keyId: string;
  secret: string;
  method: string;
  /** The full URL (or path with query) the request goes to. */
  url: string | URL;
  /** The exact body that will be sent, if any. */
  body?: string | Uint8Array;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** Defaults to a fresh random nonce. */
  nonce?: string;
}

/** The `Authorization` header value for one request: `Signature keyId=…,ts=…,nonce=…,sig=…`. */
export async function signRequest(input: SignRequestInput): Promise<string> {
  const url = new URL(input.url, 'http://relative.invalid');
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = input.nonce ?? randomNonce();
  const message = stringToSign({
    method: input.method,
    target: url.pathname + url.search,
    timestamp,
    nonce,
    bodySha256: await sha256Hex(bodyBytes(input.body)),
  });
  const sig = await hmacSha256Hex(input.secret, message);
  return `Signature keyId=${input.keyId},ts=${timestamp},nonce=${nonce},sig=${sig}`;
}

/**
 * A login key: `<expiresAt>.<hex HMAC-SHA256 of loginKeyMessage(subject, expiresAt)>`.
 * `expiresAt` is Unix seconds, at most one hour ahead; each login key is accepted once.
 */
export async function makeLoginKey(secret: string, subject: readonly string[], expiresAt: number): Promise<string> {
  return `${expiresAt}.${await hmacSha256Hex(secret, loginKeyMessage(subject, expiresAt))}`;
}

/** A login key for a server API key, to exchange at `POST /v1/auth/token {keyId, loginKey}`. */
export function apiKeyLoginKey(keyId: string, secret: string, expiresAt: number): Promise<string> {
  return makeLoginKey(secret, [keyId], expiresAt);
}

/**
 * A member login key: an API key holding `members:sign-in` vouches for one member of its group, for
 * `POST /v1/auth/token {username, keyId, loginKey}`; the signature covers the username and the expiry.
 */
export function memberLoginKey(keyId: string, username: string, secret: string, expiresAt: number): Promise<string> {
  return makeLoginKey(secret, [keyId, username], expiresAt);
}

/** A login key for a partner's user, for `POST /v1/auth/token {partnerId, partnerUserId, loginKey}`. */
export function partnerLoginKey(
  partnerId: string,
  partnerUserId: string,
  partnerSecret: string,
  expiresAt: number,
): Promise<string> {
  return makeLoginKey(partnerSecret, [partnerId, partnerUserId], expiresAt);
}

/**
 * `fetch` with a signed `Authorization` header. The body, when given, must be the string or
 * bytes that are sent: the signature covers exactly those bytes.
 */
export async function signedFetch(
  keyId: string,
  secret: string,
  url: string | URL,
  init: { method?: string; body?: string | Uint8Array; headers?: Record<string, string> } = {},
): Promise<Response> {
  const method = (init.method ?? 'GET').toUpperCase();
  const authorization = await signRequest({ keyId, secret, method, url, body: init.body });
  const headers: Record<string, string> = { ...init.headers, authorization };
  if (init.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  return fetch(url, { method, headers, body: init.body as RequestInit['body'] });
}
