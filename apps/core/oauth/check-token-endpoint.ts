import { randomBytes } from 'node:crypto';
import {
  authorizationCodeGrant,
  ClientError,
  randomPKCECodeVerifier,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'openid-client';
import type { Deps } from '../deps.ts';
import { responseTooLargeIn } from '../net/capped-fetch.ts';
import { insecureUrlReason } from './check-authorization-endpoint.ts';
import { deadline, unreachableReason } from './check-unreachable.ts';
import { buildOAuthClient, clientSecretOf, type StoredOAuthConfig } from './client.ts';
import { translateOAuthError } from './errors.ts';

/** What the CRM's answer says of the saved client ID and secret (docs/api/exports.md, "Check configuration"). */
export type ClientAuthentication = 'accepted' | 'rejected' | 'unknown';

export interface TokenEndpointCheck {
  reachable: boolean;
  clientAuthentication: ClientAuthentication;
  detail: string;
}

type CheckDeps = Pick<Deps, 'config' | 'dispatcher' | 'secretBox'>;

/**
 * Sends the token endpoint the code exchange the connector would send after a consent (RFC 6749
 * §4.1.3), with a made-up code: the saved client ID and secret in the saved authentication method,
 * the registered redirect URI and a PKCE verifier (RFC 7636 §4.5), through openid-client and the
 * client the real exchange builds (oauth/client.ts: the shared dispatcher, answers capped at 1 MiB).
 * A server authenticates the client before it looks at the code (RFC 6749 §3.2.1, §5.2), so
 * `invalid_client` (or any 401) says the ID or secret is wrong, and `invalid_grant` says they were
 * accepted and only the code was refused. Nothing it answers is kept.
 */
export async function checkTokenEndpoint(
  deps: CheckDeps,
  stored: StoredOAuthConfig,
  waitMs: number,
): Promise<TokenEndpointCheck> {
  const insecure = insecureUrlReason(deps, stored.tokenUrl);
  if (insecure) return { reachable: false, clientAuthentication: 'unknown', detail: `The token endpoint ${insecure}.` };
  const client = buildOAuthClient(deps, stored);
  client.timeout = waitMs / 1000;
  const callback = new URL(deps.config.redirectUri);
  // Shaped like a real code so that no server refuses it as malformed (invalid_request) before judging the client.
  callback.searchParams.set('code', randomBytes(32).toString('base64url'));
  const hide = secretRedactor(stored.clientId, clientSecretOf(deps, stored));
  try {
    await deadline(authorizationCodeGrant(client, callback, { pkceCodeVerifier: randomPKCECodeVerifier() }), waitMs);
    // A server that swaps a code it never issued for tokens: the client passed, but nothing is kept.
    return {
      reachable: true,
      clientAuthentication: 'accepted',
      detail:
        'The token endpoint issued tokens for a made-up authorization code: it accepted the client ID and secret, but it should not have accepted that code. The tokens were discarded.',
    };
  } catch (error) {
    return judge(error, waitMs, hide);
  }
}

function judge(error: unknown, waitMs: number, words: (text: string) => string): TokenEndpointCheck {
  // An OAuth error body is an answer, whatever its fields hold; a network failure is looked for only otherwise.
  const refusal = crmErrorOf(error);
  const unreachable = refusal || responseTooLargeIn(error) ? null : unreachableReason(error, waitMs);
  if (unreachable) {
    return { reachable: false, clientAuthentication: 'unknown', detail: `The token endpoint ${unreachable}.` };
  }
  const code = refusal?.error ?? translateOAuthError(error, { call: 'exchange', timeoutSeconds: waitMs / 1000 }).code;
  const crmSaid = refusal ? describeRefusal(refusal, words) : '';
  if (code === 'invalid_client' || refusal?.status === 401 || statusOf(error) === 401) {
    return {
      reachable: true,
      clientAuthentication: 'rejected',
      detail: `The CRM refused the client ID or secret (${crmSaid || `HTTP ${statusOf(error) ?? 401}`}). Check both, and the client authentication method (client_secret_post or client_secret_basic).`,
    };
  }
  if (code === 'invalid_grant') {
    return {
      reachable: true,
      clientAuthentication: 'accepted',
      detail: `The CRM accepted the client ID and secret; it refused only the made-up authorization code, as expected (${crmSaid || 'invalid_grant'}).`,
    };
  }
  const detail = refusal
    ? `The CRM answered ${crmSaid}, which does not tell whether the client ID and secret are right.`
    : `${words(translateOAuthError(error, { call: 'exchange', timeoutSeconds: waitMs / 1000 }).message)}. This does not tell whether the client ID and secret are right.`;
  return { reachable: true, clientAuthentication: 'unknown', detail };
}

interface CrmRefusal {
  error: string;
  description?: string | undefined;
  status: number;
}

/**
 * The RFC 6749 §5.2 error the CRM answered: a JSON error body (ResponseBodyError), a 401 challenge
 * (RFC 6750 §3, the code in its parameters), or an error body sent with HTTP 200, which
 * openid-client reports as an answer without access_token (its parsed body kept as `cause.cause.body`).
 */
function crmErrorOf(error: unknown): CrmRefusal | undefined {
  if (error instanceof ResponseBodyError) {
    return { error: error.error, description: error.error_description, status: error.status };
  }
  if (error instanceof WWWAuthenticateChallengeError) {
    const parameters = error.cause[0]?.parameters;
    return {
      error: parameters?.error ?? 'invalid_client',
      description: parameters?.error_description,
      status: error.status,
    };
  }
  if (error instanceof ClientError && error.code === 'OAUTH_INVALID_RESPONSE') {
    const body = (error.cause as { cause?: { body?: unknown } } | undefined)?.cause?.body as
      | { error?: unknown; error_description?: unknown }
      | undefined;
    if (typeof body?.error === 'string' && body.error) {
      return {
        error: body.error,
        description: typeof body.error_description === 'string' ? body.error_description : undefined,
        status: 200,
      };
    }
  }
  return undefined;
}

/** The HTTP status of an answer openid-client refused without an OAuth error body (`cause` is the Response). */
function statusOf(error: unknown): number | undefined {
  if (error instanceof ClientError) {
    const status = (error.cause as { status?: unknown } | undefined)?.status;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}

/**
 * `code: description, HTTP status`, the code and description as the CRM sent them (printable, cut
 * short). The secret is taken out before the cut, so a cut cannot leave part of it behind.
 */
function describeRefusal(refusal: CrmRefusal, hide: (text: string) => string): string {
  const code = /^[A-Za-z0-9_.:-]{1,64}$/.test(refusal.error) ? refusal.error : 'an unreadable error code';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const text = hide((refusal.description ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim());
  const description = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return `${code}${description ? `: ${description}` : ''}, HTTP ${refusal.status}`;
}

/** application/x-www-form-urlencoded, as openid-client encodes the client credentials (RFC 6749 §2.3.1). */
const formEncode = (text: string) => encodeURIComponent(text).replace(/%20/g, '+');

/**
 * A CRM could echo what it was sent, in any of the forms the secret travelled in: as typed, form-
 * encoded in the body (client_secret_post), or inside the Basic credentials (client_secret_basic,
 * RFC 6749 §2.3.1). Every form is taken out, and any Basic credential the CRM repeats, so the
 * secret never leaves in the answer.
 */
function secretRedactor(clientId: string, secret: string): (text: string) => string {
  const basic = (id: string, key: string) => Buffer.from(`${id}:${key}`).toString('base64');
  const forms = [
    secret,
    encodeURIComponent(secret),
    formEncode(secret),
    basic(formEncode(clientId), formEncode(secret)),
    basic(clientId, secret),
  ].filter((form) => form.length >= 4);
  return (text) => {
    let out = text.replace(/Basic\s+[A-Za-z0-9+/=_-]{4,}/gi, 'Basic [credentials]');
    for (const form of forms) out = out.split(form).join('[client secret]');
    return out;
  };
}
