import { request } from 'undici';
import type { Deps } from '../deps.ts';
import { deadline, unreachableReason } from './check-unreachable.ts';

/** What the configuration check found at the authorization endpoint. */
export interface AuthorizationEndpointCheck {
  reachable: boolean;
  detail: string;
}

/** The most of the endpoint's page that is read (then the connection is dropped): the status is what counts. */
const PAGE_READ_LIMIT_BYTES = 64 * 1024;

/**
 * A plain GET of the authorization URL as configured, through the process's dispatcher (its
 * address policy and proxy), redirects not followed. Any HTTP answer means the browser will reach
 * the CRM's page: a 400 for the missing request parameters or a 302 to a login page is expected
 * (RFC 6749 §4.1.2.1). No answer within `waitMs`, a DNS, connection or TLS failure, or an address
 * the policy refuses means it will not.
 */
export async function checkAuthorizationEndpoint(
  deps: Pick<Deps, 'config' | 'dispatcher'>,
  authorizationUrl: string,
  waitMs: number,
): Promise<AuthorizationEndpointCheck> {
  const insecure = insecureUrlReason(deps, authorizationUrl);
  if (insecure) return { reachable: false, detail: `The authorization endpoint ${insecure}` };
  const signal = AbortSignal.timeout(waitMs);
  try {
    const answer = await deadline(
      request(authorizationUrl, {
        method: 'GET',
        dispatcher: deps.dispatcher,
        signal,
        headers: { accept: 'text/html,application/json;q=0.9,*/*;q=0.5' },
      }),
      waitMs,
    );
    // The page itself is not needed: read a little so the connection can be reused, drop the rest.
    await answer.body.dump({ limit: PAGE_READ_LIMIT_BYTES }).catch(() => undefined);
    const location = answer.statusCode >= 300 && answer.statusCode < 400 ? redirectNote(answer.headers.location) : '';
    return {
      reachable: true,
      detail: `The authorization endpoint answered HTTP ${answer.statusCode}${location}.`,
    };
  } catch (error) {
    const reason = unreachableReason(error, waitMs) ?? `could not be reached (${(error as Error)?.name ?? 'error'})`;
    return { reachable: false, detail: `The authorization endpoint ${reason}.` };
  }
}

/** `http://` while ALLOW_INSECURE_HTTP is off: refused as openid-client refuses it for the token endpoint. */
export function insecureUrlReason(deps: Pick<Deps, 'config'>, url: string): string | null {
  if (deps.config.ALLOW_INSECURE_HTTP) return null;
  return new URL(url).protocol === 'https:' ? null : 'was not called: its URL must use https://';
}

/** Where a redirect points, by origin only (its query may carry anything). */
function redirectNote(location: string | string[] | undefined): string {
  const value = Array.isArray(location) ? location[0] : location;
  if (!value) return '';
  try {
    const url = new URL(value, 'http://relative.invalid');
    return url.origin === 'http://relative.invalid'
      ? ' (a redirect, not followed)'
      : ` (a redirect to ${url.origin}, not followed)`;
  } catch {
    return ' (a redirect, not followed)';
  }
}
