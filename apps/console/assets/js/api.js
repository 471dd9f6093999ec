// The console's only way to the JSON API: same-origin fetch with the session cookie, the
// X-CSRF-Token header on every unsafe method (double-submit cookie: the `csrftoken` cookie is
// readable, the `authtoken` cookie is not), and problem+json turned into ApiError.

/** A problem+json answer (RFC 9457): `detail`, `code`, and `errors[]` naming fields. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The server answered ${status}`);
    this.status = status;
    this.code = problem?.code;
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

function csrfToken() {
  const entry = document.cookie.split('; ').find((c) => c.startsWith('csrftoken='));
  return entry ? decodeURIComponent(entry.slice('csrftoken='.length)) : '';
}

/** Sends the manager to the sign-in page, which brings them back here afterwards. */
export function goToSignIn(reason) {
  const next = location.pathname + location.search;
  location.assign(`/console/sign-in?reason=${encodeURIComponent(reason)}&next=${encodeURIComponent(next)}`);
}

/**
 * Calls the API. A 401 means the session ended (expired, revoked, signed out elsewhere): go to
 * sign-in and come back. Resolves with the parsed JSON (null for 204).
 */
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrfToken();
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { detail: 'The connector could not be reached. Check your connection and try again.' });
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (res.status === 401) {
    goToSignIn('expired');
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data ?? { detail: `The server answered ${res.status}` });
  return data;
}

/** Escapes one path segment (ids come from the API, but never trust a string into a URL). */
export const seg = (value) => encodeURIComponent(String(value));
