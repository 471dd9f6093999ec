// The connector's browser helper (docs/api/browser-helper.md), an ES module served at
// /sdk/authorization.js: a page on a partner's site that the group trusts (its origin is one of the
// group's trusted origins) obtains an authorization token with `authorize`, which keeps it in
// localStorage until it expires, so the page signs in again only then. Hand-written: it is the
// connector's own client, small, with no dependency, and must run in any current browser as is.
//
//   import * as Authorization from 'https://connector.example/sdk/authorization.js';
//   Authorization.authorize({
//     group: 'acme',
//     credentials: { username: 'ada', password: '…' },   // any body POST /v1/auth/token takes
//     duration: 60,                                        // minutes, 1–120
//     onsuccess: (token, answer) => { … },
//     onfail: (reason) => { … },   // invalid_credentials | locked | forbidden_origin | network | bad_request
//   });

const SCRIPT_URL = new URL(import.meta.url);
const TOKEN_URL = new URL('/v1/auth/token', SCRIPT_URL);
const STORAGE_KEY = `connector-authorization:${SCRIPT_URL.origin}`;
/** A cached token this close to its expiry is not handed out: a request made with it would fail. */
const EXPIRY_MARGIN_MS = 30_000;

function read() {
  try {
    const entry = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    if (entry && typeof entry.token === 'string' && typeof entry.expiresAt === 'number') return entry;
  } catch {
    // an unreadable entry is no entry
  }
  return null;
}

function fresh(entry) {
  return entry !== null && entry.expiresAt - EXPIRY_MARGIN_MS > Date.now();
}

/** When a connector token expires: its claims `i` (issued, ms) and `m` (minutes); null when unreadable. */
function expiryOf(token) {
  try {
    const payload = token.split('.')[1].replaceAll('-', '+').replaceAll('_', '/');
    const claims = JSON.parse(atob(payload));
    return typeof claims.i === 'number' && typeof claims.m === 'number' ? claims.i + claims.m * 60_000 : null;
  } catch {
    return null;
  }
}

/** The cached token while it is valid; null once it has expired (the entry is then removed). */
export function getToken() {
  const entry = read();
  if (fresh(entry)) return entry.token;
  if (entry) localStorage.removeItem(STORAGE_KEY);
  return null;
}

/** Caches a token obtained elsewhere (from the page's own server, for one), until it expires. */
export function setToken(token, group = null) {
  const expiresAt = typeof token === 'string' ? expiryOf(token) : null;
  if (expiresAt === null) throw new TypeError('setToken: not an authorization token of this connector');
  localStorage.setItem(STORAGE_KEY, JSON.stringify({ token, expiresAt, group }));
}

/** Forgets the cached token (sign-out on this page). */
export function clearToken() {
  localStorage.removeItem(STORAGE_KEY);
}

function reasonOf(status) {
  if (status === 400) return 'bad_request';
  if (status === 429) return 'locked';
  if (status === 401 || status === 403) return 'invalid_credentials';
  return 'network';
}

/**
 * A request the browser refused to show the page fails the same way whether the connector is down
 * or did not allow this origin. The script's own URL answers every origin (`*`): reachable means the
 * refusal was the origin's.
 */
async function refusedOrUnreachable() {
  try {
    await fetch(SCRIPT_URL, { method: 'HEAD', cache: 'no-store', credentials: 'omit' });
    return 'forbidden_origin';
  } catch {
    return 'network';
  }
}

/**
 * Resolves with the token (from the cache while it is valid for this group, else from
 * `POST /v1/auth/token`), or with null after calling `onfail(reason)`.
 */
export async function authorize({ group, credentials = {}, duration, onsuccess, onfail } = {}) {
  const cached = read();
  if (fresh(cached) && (group === undefined || cached.group === group)) {
    onsuccess?.(cached.token, { cached: true, expiresAt: new Date(cached.expiresAt).toISOString() });
    return cached.token;
  }
  const fail = (reason) => {
    onfail?.(reason);
    return null;
  };
  const body = {
    ...credentials,
    ...(group === undefined ? {} : { group }),
    ...(duration === undefined ? {} : { duration }),
  };
  let response;
  try {
    response = await fetch(TOKEN_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    return fail(await refusedOrUnreachable());
  }
  if (!response.ok) return fail(reasonOf(response.status));
  const answer = await response.json().catch(() => null);
  const expiresAt = answer && Date.parse(answer.expiresAt);
  if (!answer || typeof answer.token !== 'string' || !Number.isFinite(expiresAt)) return fail('network');
  localStorage.setItem(STORAGE_KEY, JSON.stringify({ token: answer.token, expiresAt, group: group ?? answer.group }));
  onsuccess?.(answer.token, answer);
  return answer.token;
}
