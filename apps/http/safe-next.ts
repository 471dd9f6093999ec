// Shared by the console's sign-in and the API's "Sign in with SSO" (apps/api/routes/sso/start.ts):
// both send the browser back into the console afterwards, and neither may be an open redirect.

/** Where the console starts after sign-in when no (acceptable) `next` was given. */
export const HOME = '/console/exports';

/**
 * Accepts only a path inside the console as the place to return to after sign-in, so the
 * sign-in page cannot be used as an open redirect (`//evil.example`, `/\evil`, absolute URLs).
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/console') || next.includes('\\')) return HOME;
  try {
    const url = new URL(next, 'http://console.invalid');
    if (url.origin !== 'http://console.invalid') return HOME;
    if (url.pathname !== '/console' && !url.pathname.startsWith('/console/')) return HOME;
    if (url.pathname.startsWith('/console/sign-in')) return HOME;
    return url.pathname + url.search;
  } catch {
    return HOME;
  }
}
