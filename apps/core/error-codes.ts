/**
 * Every error code the connector raises on purpose, with the HTTP status it answers, a short title
 * and what the caller can do about it. One registry that the problem+json answers (`title`,
 * `type`), the error pages under `/docs/errors` and the API description read, so a code cannot be
 * raised without being documented: `AppError` takes only an `ErrorCode` (apps/core/errors.ts).
 *
 * A code is stable once published: clients branch on it. Change a title or a description freely;
 * never rename or re-status a code (add a new one instead).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9457#section-3.1 the problem details members
 * @see https://www.rfc-editor.org/rfc/rfc9457#section-4 defining new problem types
 */

/** The HTTP statuses an error code may answer with (RFC 9110 §15.5 and §15.6). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 502 | 503;

/** Where an error comes from, for grouping the documentation. */
export type ErrorArea =
  | 'request'
  | 'authentication'
  | 'signed requests'
  | 'login keys and partners'
  | 'single sign-on'
  | 'access'
  | 'groups and members'
  | 'exports and deliveries'
  | 'outbound calls'
  | 'server';

/** What the registry says about one code. */
export interface ErrorCodeInfo {
  status: ErrorStatus;
  /** The problem's `title`: the same for every occurrence of the code (RFC 9457 §3.1.3). */
  title: string;
  /** One or two sentences: what happened and what the caller can do about it. */
  description: string;
  area: ErrorArea;
}

export const ERROR_CODES = {
  // --- the request itself ---------------------------------------------------------------------
  VALIDATION_FAILED: {
    status: 400,
    title: 'The request is not valid',
    description:
      'One or more fields are missing, of the wrong type, out of range or not allowed (unknown fields are refused). The `errors` list names each field and what is wrong with it; fix those and send the request again.',
    area: 'request',
  },
  MALFORMED_JSON: {
    status: 400,
    title: 'The body is not valid JSON',
    description:
      'The request body could not be parsed as JSON (RFC 8259): it must be an object or an array, in UTF-8. Check the quoting and commas, and that the body is sent as written.',
    area: 'request',
  },
  BAD_REQUEST: {
    status: 400,
    title: 'The request could not be read',
    description:
      'The request body could not be read as sent (it was cut short or its declared size was wrong). Send the request again with a complete body and a correct Content-Length.',
    area: 'request',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: 'The body is too large',
    description:
      'The request body is over the size this route accepts (1 MiB for JSON bodies). Send smaller bodies, for example one engagement per request.',
    area: 'request',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'The body is not JSON',
    description:
      'This route takes a JSON body in UTF-8, uncompressed. Send `Content-Type: application/json` (with no charset, or `charset=utf-8`) and no Content-Encoding.',
    area: 'request',
  },
  CREDENTIALS_IN_URL: {
    status: 400,
    title: 'A credential was sent in the URL',
    description:
      'A query parameter looked like a token or secret; URLs end up in access logs, proxies and browser history, so the request was refused. Treat that credential as leaked, replace it, and send credentials in the Authorization header.',
    area: 'request',
  },
  ROUTE_NOT_FOUND: {
    status: 404,
    title: 'No such route',
    description: 'No route answers this method and path. Check the path, the `/v1` prefix and the HTTP method.',
    area: 'request',
  },
  NOT_FOUND: {
    status: 404,
    title: 'Not found',
    description:
      'The export, delivery, member, key or other resource named in the path does not exist, or belongs to another group than the one your credential is for. Check the id and the group.',
    area: 'request',
  },

  // --- authentication: authorization tokens and the console session ------------------------------
  UNAUTHENTICATED: {
    status: 401,
    title: 'Authentication is required',
    description:
      'This route needs a credential: an authorization token (`Authorization: Bearer …`), the console session, or an API key signature. Sign in with `POST /v1/auth/token` and send the token.',
    area: 'authentication',
  },
  TOKEN_MISSING: {
    status: 401,
    title: 'No credential was sent',
    description:
      'The request carries no authorization token. Get one from `POST /v1/auth/token` and send it as `Authorization: Bearer <token>`, or sign the request with an API key.',
    area: 'authentication',
  },
  TOKEN_INVALID: {
    status: 401,
    title: 'The credential is not valid',
    description:
      'The authorization token (or the session cookie) is malformed, was not issued by this connector, or the Authorization scheme is not supported. Sign in again for a new token; use the Bearer or Signature scheme.',
    area: 'authentication',
  },
  TOKEN_EXPIRED: {
    status: 401,
    title: 'The token has expired',
    description:
      'Authorization tokens live for the duration asked at sign-in (at most 120 minutes). Request a new token from `POST /v1/auth/token`.',
    area: 'authentication',
  },
  TOKEN_REVOKED: {
    status: 401,
    title: 'The token was revoked',
    description:
      'The token was signed out, its member was removed from the group, or the API key behind it was revoked or expired. Sign in again; if you were removed, ask an admin of the group.',
    area: 'authentication',
  },
  INVALID_CREDENTIALS: {
    status: 401,
    title: 'Wrong username or password',
    description:
      'The username, password or group do not match a member of that group. Check all three; repeated failures are rate limited.',
    area: 'authentication',
  },
  RATE_LIMITED: {
    status: 429,
    title: 'Too many failed attempts',
    description:
      'Too many failed sign-ins for this account or address in a short time. Wait for the number of seconds in the `Retry-After` header (and the detail) before trying again.',
    area: 'authentication',
  },
  NOT_A_TOKEN: {
    status: 400,
    title: 'Only a token can be signed out',
    description:
      'Sign-out revokes the authorization token the request presents; a request signed with an API key has none. Send the request with the token to revoke, or revoke the API key instead.',
    area: 'authentication',
  },
  CSRF_TOKEN_MISSING: {
    status: 403,
    title: 'The CSRF token is missing',
    description:
      'Requests that change something and are authenticated by the console cookie must send the `X-CSRF-Token` header with the value of the csrf cookie. Reload the console page; scripts should use a Bearer token instead.',
    area: 'authentication',
  },
  CSRF_TOKEN_INVALID: {
    status: 403,
    title: 'The CSRF token does not match',
    description:
      'The `X-CSRF-Token` header does not belong to this console session (it was signed in again or out meanwhile). Reload the console page and try again.',
    area: 'authentication',
  },
  CROSS_SITE_SIGN_IN: {
    status: 403,
    title: 'Sign in from the console itself',
    description:
      'The console sign-in accepts only JSON requests from its own page, so another site cannot sign you in to an account of its choosing. Open the console and sign in there.',
    area: 'authentication',
  },
  GROUP_REQUIRED: {
    status: 409,
    title: 'Choose a group',
    description:
      'You are a member of several groups and a session works in one. Sign in again naming one of the groups listed in the answer.',
    area: 'authentication',
  },
  PASSWORD_NOT_SET: {
    status: 409,
    title: 'This account has no password',
    description:
      'The account signs in through single sign-on or a partner, so it has no password to change. Sign in the way your group set up, or ask an admin for a set-password link.',
    area: 'authentication',
  },
  PASSWORD_LINK_INVALID: {
    status: 400,
    title: 'The set-password link is not valid',
    description:
      'The link was used already, has expired, or was replaced by a newer one. Ask an admin of your group for a new link.',
    area: 'authentication',
  },

  // --- API keys: request signatures and login keys ------------------------------------------------
  SIGNATURE_MALFORMED: {
    status: 401,
    title: 'The Signature header is malformed',
    description:
      'Expected `Authorization: Signature keyId=<id>,ts=<unix seconds>,nonce=<16-128 characters>,sig=<64 hex>`. Check the field names, separators and lengths.',
    area: 'signed requests',
  },
  SIGNATURE_KEY_UNKNOWN: {
    status: 401,
    title: 'Unknown API key',
    description: 'No API key has this keyId. Check the id you sign with, or create a key with `POST /v1/api-keys`.',
    area: 'signed requests',
  },
  SIGNATURE_KEY_REVOKED: {
    status: 401,
    title: 'The API key was revoked',
    description: 'This API key was revoked by an admin of its group. Create a new key and replace the old one.',
    area: 'signed requests',
  },
  SIGNATURE_KEY_EXPIRED: {
    status: 401,
    title: 'The API key has expired',
    description: 'This API key passed its `expiresAt`. Create a new key and replace the old one.',
    area: 'signed requests',
  },
  SIGNATURE_TIMESTAMP_OUT_OF_WINDOW: {
    status: 401,
    title: 'The signature timestamp is out of the window',
    description:
      'The `ts` of the signature is more than 5 minutes from the connector’s clock. Keep the caller’s clock in sync (NTP) and sign each request when it is sent.',
    area: 'signed requests',
  },
  SIGNATURE_INVALID: {
    status: 401,
    title: 'The signature does not match',
    description:
      'The HMAC-SHA256 does not verify. Sign `METHOD`, `PATH?QUERY`, `ts`, `nonce` and the hex SHA-256 of the exact body bytes, one per line, with the key’s secret.',
    area: 'signed requests',
  },
  SIGNATURE_NONCE_REUSED: {
    status: 401,
    title: 'The nonce was already used',
    description:
      'Every signed request needs a fresh random nonce; a repeated one is refused as a replay. Generate a new nonce for each request, retries included.',
    area: 'signed requests',
  },
  API_KEY_UNKNOWN: {
    status: 401,
    title: 'Unknown API key',
    description: 'No API key has this keyId. Check the keyId sent with the login key.',
    area: 'login keys and partners',
  },
  API_KEY_REVOKED: {
    status: 401,
    title: 'The API key was revoked',
    description: 'The API key this login key is made with was revoked. Create a new key and use its secret.',
    area: 'login keys and partners',
  },
  API_KEY_EXPIRED: {
    status: 401,
    title: 'The API key has expired',
    description:
      'The API key this login key is made with has expired, or expires within a minute. Create a new key and use its secret.',
    area: 'login keys and partners',
  },
  LOGIN_KEY_MALFORMED: {
    status: 401,
    title: 'The login key is malformed',
    description:
      'Expected `<expiresAt in unix seconds>.<64 hex HMAC-SHA256>`. Check how the login key is put together.',
    area: 'login keys and partners',
  },
  LOGIN_KEY_EXPIRED: {
    status: 401,
    title: 'The login key has expired',
    description: 'The expiry inside the login key has passed. Make a new login key just before signing in.',
    area: 'login keys and partners',
  },
  LOGIN_KEY_TOO_LONG_LIVED: {
    status: 401,
    title: 'The login key lives too long',
    description: 'A login key may expire at most one hour from now. Make a new one with a nearer expiry.',
    area: 'login keys and partners',
  },
  LOGIN_KEY_INVALID: {
    status: 401,
    title: 'The login key does not match',
    description:
      'The HMAC-SHA256 of the login key does not verify. Compute it with the right secret over the message the API documents for this kind of sign-in (it covers who signs in and the expiry).',
    area: 'login keys and partners',
  },
  LOGIN_KEY_REUSED: {
    status: 401,
    title: 'The login key was already used',
    description: 'Each login key is accepted once. Make a new login key for each sign-in.',
    area: 'login keys and partners',
  },
  PARTNER_UNKNOWN: {
    status: 401,
    title: 'Unknown partner',
    description: 'No partner has this partnerId. Check the id the group’s admin gave you.',
    area: 'login keys and partners',
  },
  PARTNER_REVOKED: {
    status: 401,
    title: 'The partner was revoked',
    description: 'An admin of the group revoked this partner. Ask them to create a new one.',
    area: 'login keys and partners',
  },
  PARTNER_USER_REMOVED: {
    status: 401,
    title: 'The partner user was removed',
    description:
      'An admin removed this partner user from the group, so the partner can no longer sign it in. Ask an admin of the group to add the user again.',
    area: 'login keys and partners',
  },
  PARTNER_EXISTS: {
    status: 409,
    title: 'A partner with this name exists',
    description: 'The group already has a partner with this name. Choose another name.',
    area: 'login keys and partners',
  },
  PARTNER_USERNAME_TAKEN: {
    status: 409,
    title: 'The username belongs to another user',
    description:
      'The partner user’s username is already taken by another user of the group. Have the partner send another user id, or ask an admin to free the name.',
    area: 'login keys and partners',
  },

  // --- single sign-on (OpenID Connect) ------------------------------------------------------------
  SSO_NOT_CONFIGURED: {
    status: 401,
    title: 'Single sign-on is not configured',
    description: 'The group has no single sign-on set up (any more). Ask an admin of the group to configure it.',
    area: 'single sign-on',
  },
  SSO_STATE_MISSING: {
    status: 401,
    title: 'The sign-in state is missing',
    description: 'The identity provider sent the browser back without the `state` parameter. Start the sign-in again.',
    area: 'single sign-on',
  },
  SSO_STATE_UNKNOWN: {
    status: 401,
    title: 'The sign-in expired',
    description: 'This sign-in expired or was already completed. Start it again from the sign-in page.',
    area: 'single sign-on',
  },
  SSO_BROWSER_MISMATCH: {
    status: 401,
    title: 'The sign-in was started in another browser',
    description: 'A sign-in must finish in the browser that started it. Start it again in this browser.',
    area: 'single sign-on',
  },
  SSO_DENIED: {
    status: 401,
    title: 'The identity provider refused the sign-in',
    description:
      'The identity provider answered with an error (the detail names it), for example because you declined or are not assigned to the application. Check with your identity provider’s admin.',
    area: 'single sign-on',
  },
  SSO_TOKEN_REFUSED: {
    status: 401,
    title: 'The identity provider refused the code exchange',
    description:
      'Exchanging the authorization code failed at the identity provider (the detail names its error). Check the client id and secret configured for single sign-on, then start again.',
    area: 'single sign-on',
  },
  SSO_NONCE_MISMATCH: {
    status: 401,
    title: 'The ID token was not issued for this sign-in',
    description: 'The ID token’s nonce does not match the sign-in that was started. Start the sign-in again.',
    area: 'single sign-on',
  },
  SSO_MEMBER_REMOVED: {
    status: 401,
    title: 'You were removed from the group',
    description: 'An admin removed this member from the group. Ask an admin of the group to add you again.',
    area: 'single sign-on',
  },
  ID_TOKEN_MALFORMED: {
    status: 401,
    title: 'The ID token is not a JWT',
    description:
      'The `idToken` sent is not a JSON Web Token (RFC 7519). Send the ID token the identity provider issued.',
    area: 'single sign-on',
  },
  ID_TOKEN_UNTRUSTED_ISSUER: {
    status: 401,
    title: 'The ID token’s issuer is not trusted',
    description:
      'No group (or not the group named) trusts the issuer of this ID token for sign-in. Ask an admin to configure single sign-on with this issuer.',
    area: 'single sign-on',
  },
  ID_TOKEN_ISSUER: {
    status: 401,
    title: 'The ID token comes from another issuer',
    description: 'The ID token’s `iss` is not the configured issuer. Check the issuer configured for single sign-on.',
    area: 'single sign-on',
  },
  ID_TOKEN_AUDIENCE: {
    status: 401,
    title: 'The ID token was issued to another client',
    description:
      'The ID token’s `aud` (or `azp`) does not name the client id configured for single sign-on. Use an ID token issued for that client.',
    area: 'single sign-on',
  },
  ID_TOKEN_EXPIRED: {
    status: 401,
    title: 'The ID token has expired',
    description:
      'The ID token has expired or is not valid yet. Get a fresh one from the identity provider, and check that both clocks are right.',
    area: 'single sign-on',
  },
  ID_TOKEN_SIGNATURE_INVALID: {
    status: 401,
    title: 'The ID token signature does not verify',
    description:
      'The ID token is not signed by a key the identity provider publishes, or with an algorithm that is not allowed. Use an unaltered ID token from the configured provider.',
    area: 'single sign-on',
  },
  ID_TOKEN_REUSED: {
    status: 401,
    title: 'The ID token was already used',
    description: 'Each ID token is exchanged once. Get a new ID token from the identity provider.',
    area: 'single sign-on',
  },
  ID_TOKEN_INVALID: {
    status: 401,
    title: 'The ID token is not valid',
    description: 'A claim of the ID token did not check out (the detail names it). Get a new ID token and try again.',
    area: 'single sign-on',
  },
  SSO_PROVISIONING_FAILED: {
    status: 409,
    title: 'The member could not be created',
    description: 'Creating the member for this identity collided with another sign-in at the same moment. Try again.',
    area: 'single sign-on',
  },
  SSO_USERNAME_TAKEN: {
    status: 409,
    title: 'No free username for this identity',
    description:
      'Every username derived from this identity is taken in the group. Ask an admin of the group to free one or add the member by hand.',
    area: 'single sign-on',
  },
  SSO_DISCOVERY_FAILED: {
    status: 502,
    title: 'OpenID Connect discovery failed',
    description:
      'The issuer’s `/.well-known/openid-configuration` could not be read. Check the issuer URL and that the provider is reachable from the connector.',
    area: 'single sign-on',
  },
  SSO_ENDPOINT_REFUSED: {
    status: 502,
    title: 'The provider names endpoints the connector refuses',
    description:
      'The discovery document names endpoints that break the connector’s address policy (not https, or private addresses). Fix the provider’s configuration, or the policy settings if this is a test setup.',
    area: 'single sign-on',
  },
  SSO_PROVIDER_ERROR: {
    status: 502,
    title: 'The identity provider’s answer could not be used',
    description:
      'The identity provider answered something the connector cannot use (for example no keys, or an unreadable answer). Try again later; if it persists, check the provider’s configuration.',
    area: 'single sign-on',
  },

  // --- access: who may do what ------------------------------------------------------------------
  FORBIDDEN: {
    status: 403,
    title: 'Forbidden',
    description:
      'Your credential does not carry the privilege this action needs (the detail names it). Ask an admin of the group for a role that has it, or use a key with that privilege.',
    area: 'access',
  },
  MEMBER_REQUIRED: {
    status: 403,
    title: 'A member is required',
    description:
      'This action is for a member of the group (a person), not an API key. Sign in as a member and use that token.',
    area: 'access',
  },
  NOT_A_MEMBER: {
    status: 403,
    title: 'Not a member of the group',
    description:
      'You are not a member of the group named (or of any group). Check the group name, or ask an admin of the group to add you.',
    area: 'access',
  },
  PRIVILEGE_EXCEEDED: {
    status: 403,
    title: 'You cannot grant more than you hold',
    description:
      'A role, key, partner or default role you give may carry at most the privileges you hold yourself. Grant fewer privileges, or ask an admin who holds them.',
    area: 'access',
  },
  AUTHORIZATION_REQUEST_EXPIRED: {
    status: 400,
    title: 'The app’s authorization request has ended',
    description:
      'The consent page belongs to an authorization request that is finished, expired (after 10 minutes) or was started in another browser. Go back to the app and start again.',
    area: 'access',
  },
  CROSS_SITE_REQUEST: {
    status: 403,
    title: 'Started from another site',
    description:
      '"Authorize Export" was started from another site, so it was refused. Open the export in the console and press "Authorize Export" there.',
    area: 'access',
  },

  // --- groups and members -------------------------------------------------------------------------
  GROUP_NAME_TAKEN: {
    status: 409,
    title: 'The group name is taken',
    description: 'A group with this name exists already. Choose another name.',
    area: 'groups and members',
  },
  ALREADY_A_MEMBER: {
    status: 409,
    title: 'Already a member',
    description:
      'This username is already a member of the group. Change the member’s role with `PATCH /v1/groups/:group/members/:username` instead.',
    area: 'groups and members',
  },
  NOTIFICATIONS_NOT_CONFIGURED: {
    status: 409,
    title: 'Notifications are not set up',
    description:
      'The group has no notification webhook, and no mail addresses the connector can mail (mail also needs SMTP_URL on the connector), so a test has nowhere to go. Set them with `PUT /v1/groups/:group/notifications`, then send the test again.',
    area: 'groups and members',
  },
  LAST_ADMIN: {
    status: 409,
    title: 'A group keeps at least one admin',
    description:
      'Removing or re-roling this member would leave the group without an admin. Make another member admin first.',
    area: 'groups and members',
  },

  // --- exports, OAuth and deliveries -------------------------------------------------------------
  OAUTH_NOT_CONFIGURED: {
    status: 409,
    title: 'OAuth is not configured',
    description:
      'The export has no OAuth configuration yet, so it cannot be authorized. Configure it with `PUT /v1/exports/:id/oauth` (or the console’s "Configure OAuth"), then authorize.',
    area: 'exports and deliveries',
  },
  DELIVERY_NOT_RETRYABLE: {
    status: 409,
    title: 'The delivery cannot be retried',
    description:
      'Only failed or dead deliveries can be retried; this one is pending, being sent, delivered or parked. Read the delivery to see its status, and retry it once it has failed.',
    area: 'exports and deliveries',
  },
  DELIVERY_CHANGED: {
    status: 409,
    title: 'The delivery changed meanwhile',
    description:
      'A worker changed the delivery while the retry was being recorded. Read the delivery again and decide.',
    area: 'exports and deliveries',
  },

  // --- outbound calls (webhooks, OAuth and identity providers) ------------------------------------
  PRIVATE_TARGET_REFUSED: {
    status: 400,
    title: 'The target address is private',
    description:
      'The URL resolves to a loopback, private, link-local or metadata address, which the connector does not call. Use a public address; operators can allow private targets with ALLOW_PRIVATE_TARGETS.',
    area: 'outbound calls',
  },
  OUTBOUND_RESPONSE_TOO_LARGE: {
    status: 502,
    title: 'The remote answer is too large',
    description:
      'A server the connector called (identity provider, token endpoint) answered with more bytes than the connector reads. Check that the URL points at the right endpoint.',
    area: 'outbound calls',
  },

  // --- the connector itself -------------------------------------------------------------------------
  DEPENDENCY_UNAVAILABLE: {
    status: 503,
    title: 'Service unavailable',
    description:
      'The connector cannot reach its database or Redis right now. Try again after the number of seconds in the `Retry-After` header.',
    area: 'server',
  },
  SECRET_UNREADABLE: {
    status: 500,
    title: 'A stored secret cannot be read',
    description:
      'A secret stored encrypted cannot be decrypted with the configured keys (ENCRYPTION_KEY changed or was lost). Operators: restore the previous key; users: configure the secret again.',
    area: 'server',
  },
  INTERNAL: {
    status: 500,
    title: 'Internal server error',
    description:
      'Something went wrong on the connector’s side and was logged. Try again; if it persists, give the operators the time of the request.',
    area: 'server',
  },
  EXPORT_DISABLED: {
    status: 409,
    title: 'The export is disabled',
    description:
      'A disabled export sends nothing, so a test event to it would only be parked. Enable the export (PATCH /v1/exports/:id with enabled: true, or its page in the console), then send the test event again.',
    area: 'exports and deliveries',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

/** A code from the registry: what `AppError.code` and every problem's `code` are. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The status the registry gives a code. */
export type StatusOf<C extends ErrorCode> = (typeof ERROR_CODES)[C]['status'];

/** The codes that answer with status `S` (e.g. `CodeWithStatus<401>` for `unauthorized()`). */
export type CodeWithStatus<S extends ErrorStatus> = {
  [C in ErrorCode]: StatusOf<C> extends S ? C : never;
}[ErrorCode];

/** Where the error pages live, under the connector's own URL. */
export const ERROR_PAGES_PATH = '/docs/errors';

/** Every code, in the registry's order (grouped by area). */
export const errorCodes = (): ErrorCode[] => Object.keys(ERROR_CODES) as ErrorCode[];

/** Whether a string is a code of the registry. */
export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}

/** The registry's entry for a code (INTERNAL's for a string that slipped past the types). */
export function errorInfo(code: ErrorCode): ErrorCodeInfo {
  return isErrorCode(code) ? ERROR_CODES[code] : ERROR_CODES.INTERNAL;
}

/**
 * The problem `type` of a code: its page, `/docs/errors/<CODE>`, under `publicUrl` (the
 * connector's PUBLIC_URL). Without `publicUrl` it is the path alone, a relative reference with the
 * full path, which RFC 9457 §3.1.1 allows and resolves against the answer's own URL.
 * @see https://www.rfc-editor.org/rfc/rfc9457#section-3.1.1
 */
export function problemTypeUrl(code: ErrorCode, publicUrl = ''): string {
  return `${publicUrl}${ERROR_PAGES_PATH}/${code}`;
}
