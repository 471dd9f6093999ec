import {
  AuthorizationResponseError,
  ClientError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'openid-client';
import { AppError } from '../errors.ts';
import { responseTooLargeIn } from '../net/capped-fetch.ts';
import { outboundProxyFailure } from '../net/proxy-failure.ts';

/**
 * What a failed call to a CRM's token endpoint means for the connector (ARCHITECTURE §4):
 * - `reauthorize`: the grant is gone (invalid_grant); only a manager pressing "Authorize Export" helps.
 * - `configuration`: the export's OAuth settings are wrong (client ID or secret, URLs, scopes).
 * - `retryable`: the CRM could not be reached or failed on its side (timeouts, refused connections, 5xx).
 * - `provider`: the CRM answered something unusable; retrying would get the same answer.
 */
export type OAuthFailureKind = 'reauthorize' | 'configuration' | 'retryable' | 'provider';

export interface OAuthFailure {
  kind: OAuthFailureKind;
  /** The OAuth error code (`invalid_client`) or a connector code (`timeout`, `http_503`, `not_json`). */
  code: string;
  /** A sentence a manager understands, naming the code in parentheses. */
  message: string;
}

/** Which call failed, so the message can say what to do next. */
export type OAuthCall = 'exchange' | 'refresh';

export interface TranslateOptions {
  call: OAuthCall;
  /** OAUTH_HTTP_TIMEOUT_SECONDS, to say how long the connector waited. */
  timeoutSeconds: number;
}

// Error codes of RFC 6749 §5.2 and the configuration problem each one usually means.
const CONFIGURATION_ERRORS: Record<string, string> = {
  invalid_client: 'The CRM refused the client ID or secret (invalid_client)',
  unauthorized_client: 'The CRM does not allow this client to use the authorization code flow (unauthorized_client)',
  unsupported_grant_type: 'The CRM does not support this grant type for this client (unsupported_grant_type)',
  invalid_scope: 'The CRM refused the requested scopes (invalid_scope)',
  invalid_request: 'The CRM refused the token request as malformed (invalid_request)',
};

// RFC 6749 §4.1.2.1: server_error and temporarily_unavailable are the provider's own trouble.
const RETRYABLE_ERRORS = new Set(['server_error', 'temporarily_unavailable']);

// Node/undici network failures that can pass on a later try, in words a manager can act on
// (also the configuration check's, check-unreachable.ts).
export const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'refused the connection',
  ECONNRESET: 'dropped the connection',
  EPIPE: 'dropped the connection',
  ETIMEDOUT: 'did not accept the connection in time',
  ENOTFOUND: 'could not be found in DNS',
  EAI_AGAIN: 'could not be resolved in DNS (temporary failure)',
  EHOSTUNREACH: 'could not be reached',
  ENETUNREACH: 'could not be reached',
  UND_ERR_CONNECT_TIMEOUT: 'did not accept the connection in time',
  UND_ERR_HEADERS_TIMEOUT: 'did not answer in time',
  UND_ERR_BODY_TIMEOUT: 'did not finish its answer in time',
  UND_ERR_SOCKET: 'dropped the connection',
  UND_ERR_CLOSED: 'dropped the connection',
};

/**
 * Translates whatever openid-client (or the fetch beneath it) threw into an OAuthFailure. The
 * raw error is never shown or logged: its `cause` can hold the token endpoint's whole answer.
 * Error shapes measured against oidc-provider and a Salesforce-like endpoint: see docs/field-notes.md.
 */
export function translateOAuthError(error: unknown, options: TranslateOptions): OAuthFailure {
  const { call } = options;
  // The capped fetch (net/capped-fetch.ts) stopped reading; openid-client wraps what it threw.
  // Like invalid JSON, a retry would meet the same answer: the exchange fails, a refresh cools down.
  const tooLarge = responseTooLargeIn(error);
  if (tooLarge) {
    return {
      kind: 'provider',
      code: 'response_too_large',
      message: `The CRM's token endpoint answered more than ${tooLarge.limitBytes / (1024 * 1024)} MiB, which the connector does not read; check the Access Token URL (response_too_large)`,
    };
  }
  if (error instanceof ResponseBodyError) {
    return fromErrorCode(error.error, error.error_description, error.status, call);
  }
  // A 401 with WWW-Authenticate (RFC 6750 §3) arrives as a challenge; the code is in its parameters.
  if (error instanceof WWWAuthenticateChallengeError) {
    const parameters = error.cause[0]?.parameters;
    return fromErrorCode(parameters?.error ?? 'invalid_client', parameters?.error_description, error.status, call);
  }
  if (error instanceof AuthorizationResponseError) {
    return describeAuthorizationError(error.error, error.error_description);
  }
  if (error instanceof ClientError) return fromClientError(error, options);
  // OUTBOUND_PROXY_URL itself failed (apps/core/net/proxy-failure.ts): the CRM was never reached, so
  // the message names the proxy, not the token endpoint.
  const proxy = outboundProxyFailure(error);
  if (proxy) return { kind: 'retryable', code: 'outbound_proxy_failed', message: proxy.message };
  const network = networkCode(error);
  if (network === 'PRIVATE_TARGET_REFUSED') {
    return {
      kind: 'configuration',
      code: 'private_target',
      message:
        'The token URL is or resolves to a private, loopback, link-local or metadata address, which this connector refuses (private_target)',
    };
  }
  if (network) {
    const what = NETWORK_CODES[network] ?? `could not be reached (${network})`;
    return { kind: 'retryable', code: network.toLowerCase(), message: `The CRM's token endpoint ${what} (${network})` };
  }
  return {
    kind: 'provider',
    code: 'unexpected',
    message: `The call to the CRM's token endpoint failed unexpectedly (${errorName(error)})`,
  };
}

/**
 * The manager's message for an error the CRM sent back to the redirect URI (RFC 6749 §4.1.2.1),
 * e.g. `?error=access_denied` when the user pressed "Deny".
 */
export function describeAuthorizationError(code: string, description?: string | null): OAuthFailure {
  const detail = cleanDescription(description);
  const suffix = detail ? `: ${detail}` : '';
  if (code === 'access_denied') {
    return {
      kind: 'configuration',
      code,
      message: `The CRM user declined to grant access (access_denied)${suffix}. Press "Authorize Export" to try again.`,
    };
  }
  if (RETRYABLE_ERRORS.has(code)) {
    return {
      kind: 'retryable',
      code,
      message: `The CRM had a problem on its side (${code})${suffix}. Press "Authorize Export" to try again.`,
    };
  }
  const known = CONFIGURATION_ERRORS[code];
  const safeCode = sanitizeCode(code);
  return {
    kind: 'configuration',
    code: safeCode,
    message: `${known ?? `The CRM refused the authorization (${safeCode})`}${suffix}. Check the OAuth configuration.`,
  };
}

function fromErrorCode(code: string, description: string | undefined, status: number, call: OAuthCall): OAuthFailure {
  const safeCode = sanitizeCode(code);
  const detail = cleanDescription(description);
  const suffix = detail ? `: ${detail}` : '';
  if (code === 'invalid_grant') {
    const message =
      call === 'exchange'
        ? `The CRM refused the authorization code (invalid_grant): it has expired or was already used${suffix}. Press "Authorize Export" again.`
        : `The CRM no longer accepts the refresh token (invalid_grant): it expired or was revoked${suffix}. Press "Authorize Export" again.`;
    return { kind: 'reauthorize', code, message };
  }
  const known = CONFIGURATION_ERRORS[code];
  if (known) return { kind: 'configuration', code, message: `${known}${suffix}` };
  if (RETRYABLE_ERRORS.has(code) || status >= 500 || status === 429) {
    return {
      kind: 'retryable',
      code: safeCode,
      message: `The CRM's token endpoint failed (${safeCode}, HTTP ${status})`,
    };
  }
  return {
    kind: 'provider',
    code: safeCode,
    message: `The CRM's token endpoint refused the request (${safeCode})${suffix}`,
  };
}

function fromClientError(error: ClientError, options: TranslateOptions): OAuthFailure {
  const response = responseOf(error.cause);
  const status = response?.status;
  switch (error.code) {
    case 'OAUTH_TIMEOUT':
    case 'OAUTH_ABORT':
      return {
        kind: 'retryable',
        code: 'timeout',
        message: `The CRM's token endpoint did not answer within ${options.timeoutSeconds} s (timeout)`,
      };
    // A status other than 200 without an OAuth error body (RFC 6749 §5.2): 5xx and 429 pass with time.
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
      if (status !== undefined && (status >= 500 || status === 429)) {
        return {
          kind: 'retryable',
          code: `http_${status}`,
          message: `The CRM's token endpoint answered HTTP ${status} (http_${status})`,
        };
      }
      return {
        kind: 'configuration',
        code: `http_${status ?? 'unknown'}`,
        message: `The CRM's token endpoint answered HTTP ${status ?? 'with an unexpected status'}; check the Access Token URL (http_${status ?? 'unknown'})`,
      };
    // 200 with HTML is typically a login page: the Access Token URL points at the wrong place.
    case 'OAUTH_RESPONSE_IS_NOT_JSON': {
      const type = response?.headers.get('content-type');
      return {
        kind: 'configuration',
        code: 'not_json',
        message: `The CRM's token endpoint answered ${type?.split(';')[0] || 'something'} instead of JSON; check the Access Token URL (not_json)`,
      };
    }
    case 'OAUTH_PARSE_ERROR':
      return {
        kind: 'provider',
        code: 'invalid_json',
        message: "The CRM's token endpoint answered with invalid JSON (invalid_json)",
      };
    case 'OAUTH_INVALID_RESPONSE': {
      // Some CRMs refuse a token request with HTTP 200 and an RFC 6749 §5.2 error body; openid-client
      // reads an error body only on another status, so it finds no access_token. The CRM's own words
      // say more than the missing field.
      const refusal = errorBodyOf(error);
      if (refusal) return fromErrorCode(refusal.error, refusal.description, status ?? 200, options.call);
      return {
        kind: 'provider',
        code: 'invalid_response',
        message: "The CRM's token answer lacks a required field such as access_token or token_type (invalid_response)",
      };
    }
    // The id_token's `iss` differs from the configured (or assumed) issuer.
    case 'OAUTH_JWT_CLAIM_COMPARISON':
      return {
        kind: 'configuration',
        code: 'id_token_claims',
        message:
          "The CRM's ID token does not match this export (issuer or audience); set the Issuer in the OAuth configuration (id_token_claims)",
      };
    case 'OAUTH_HTTP_REQUEST_FORBIDDEN':
    case 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN':
      return {
        kind: 'configuration',
        code: 'insecure_url',
        message: 'The token URL must use https:// (insecure_url)',
      };
    default: {
      const network = networkCode(error.cause);
      if (network || outboundProxyFailure(error.cause)) return translateOAuthError(error.cause, options);
      return {
        kind: 'provider',
        code: (error.code ?? 'client_error').toLowerCase(),
        message: `The CRM's token answer could not be used (${(error.code ?? 'client_error').toLowerCase()})`,
      };
    }
  }
}

/**
 * The HTTP answer openid-client keeps as `cause`. Duck-typed: it comes from undici's fetch (our
 * dispatcher's), whose Response class is not Node's global one.
 */
function responseOf(cause: unknown): { status: number; headers: { get(name: string): string | null } } | undefined {
  const candidate = cause as { status?: unknown; headers?: { get?: unknown } } | undefined;
  if (typeof candidate?.status === 'number' && typeof candidate.headers?.get === 'function') {
    return candidate as { status: number; headers: { get(name: string): string | null } };
  }
  return undefined;
}

/**
 * The `error` and `error_description` of a token answer openid-client refused as invalid: it keeps
 * the parsed body as `cause.cause.body` (oauth4webapi's OperationProcessingError inside its ClientError).
 */
function errorBodyOf(error: ClientError): { error: string; description?: string } | undefined {
  const body = (error.cause as { cause?: { body?: unknown } } | undefined)?.cause?.body;
  const fields = body as { error?: unknown; error_description?: unknown } | undefined;
  if (typeof fields?.error !== 'string' || !fields.error) return undefined;
  return {
    error: fields.error,
    ...(typeof fields.error_description === 'string' ? { description: fields.error_description } : {}),
  };
}

/** `TypeError('fetch failed')` keeps the socket error in `cause` (one or two levels down). */
function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    if (current instanceof AppError && current.code === 'PRIVATE_TARGET_REFUSED') return current.code;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (code in NETWORK_CODES || /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code))) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/**
 * Every registered error code (RFC 6749 §5.2, RFC 8628, OIDC) is letters and underscores; RFC
 * 6749 would allow `<`, spaces and more, which are not echoed into a manager's message.
 */
function sanitizeCode(code: string): string {
  return /^[A-Za-z0-9_.:-]{1,64}$/.test(code) ? code : 'unknown_error';
}

/** The provider's `error_description`: printable text only, cut to a readable length. */
function cleanDescription(description: string | null | undefined): string {
  if (!description) return '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const text = description.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
