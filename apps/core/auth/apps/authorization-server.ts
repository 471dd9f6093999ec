import { createECDH, createHmac } from 'node:crypto';
import Provider, { type Adapter, type Client, errors, interactionPolicy, type KoaLikeContext } from 'oidc-provider';
import type { Deps } from '../../deps.ts';
import { currentRole } from '../../groups/lookup.ts';
import { PRIVILEGES } from '../../groups/roles.ts';
import { forgetAuthorization } from './authorizations.ts';
import { ClientStorage } from './client-storage.ts';
import { RedisStorage } from './redis-storage.ts';

/**
 * The connector's OAuth 2.0 authorization server for its own /v1 API (docs/api/third-party-apps.md):
 * oidc-provider (certified, maintained), not a hand-written one, configured as a plain OAuth 2.0
 * server: authorization code with PKCE S256 required (RFC 7636), opaque access and refresh tokens
 * (43 characters), refresh tokens rotating on every use with reuse revoking the grant, RFC 7009
 * revocation, RFC 7662 introspection, RFC 8414 metadata at `/.well-known/oauth-authorization-server`
 * (the issuer is PUBLIC_URL). No ID tokens, userinfo, dynamic registration, device flow or logout.
 *
 * Clients are the apps table (client-storage.ts); everything issued lives in Redis
 * (redis-storage.ts says why). Its keys derive from TOKEN_SIGNING_KEY, so every API process of a
 * deployment, and the same process after a restart, reads what another one issued.
 *
 * Login and consent are the console's: an authorization request goes to
 * `/console/authorize/<uid>` (apps/console/routes/authorize.ts), which signs the member in with
 * the console session and shows the consent page.
 */

/** Where the provider's endpoints live; the metadata is at the root, as RFC 8414 §3 puts it for an issuer without a path. */
export const OAUTH2_PREFIX = '/oauth2';
export const OAUTH2_METADATA_PATH = '/.well-known/oauth-authorization-server';

/** The console page an authorization request goes to for sign-in and consent. */
export const interactionPath = (uid: string) => `/console/authorize/${uid}`;

/** The resource indicator (RFC 8707) every access token is for: the connector's /v1 API. */
export const apiResource = (publicUrl: string) => `${publicUrl}/v1`;

const ACCESS_TOKEN_SECONDS = 3600;
// A refresh token lives 30 days from its last use (each use rotates it); a member's consent
// (oidc-provider's grant) lasts 90 days, after which the app asks the member again.
const REFRESH_TOKEN_SECONDS = 30 * 24 * 3600;
const GRANT_SECONDS = 90 * 24 * 3600;
// oidc-provider's own login session spans one authorization only: the member's session is the console's.
const INTERACTION_SECONDS = 600;

type ServerDeps = Pick<Deps, 'config' | 'db' | 'redis' | 'secretBox' | 'tokenSigningKey' | 'logger'>;

export function createAuthorizationServer(deps: ServerDeps): Provider {
  const issuer = deps.config.PUBLIC_URL;
  const resource = apiResource(issuer);
  const clients = new ClientStorage(deps);
  const policy = interactionPolicy.base();
  // Every authorization request signs the member in through the console, even when
  // oidc-provider's own session remembers someone: the browser's console session may belong to
  // another member by now.
  policy
    .get('login')
    ?.checks.push(
      new interactionPolicy.Check(
        'console_session',
        'the console session signs the member in',
        (ctx: KoaLikeContext) =>
          ctx.oidc.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
      ),
    );

  const provider = new Provider(issuer, {
    adapter: (name: string): Adapter => (name === 'Client' ? clients : new RedisStorage(deps.redis, name)),
    clients: [],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    extraClientMetadata: { properties: ['privileges'] },
    responseTypes: ['code'],
    // No OpenID Connect scopes: the scopes are the resource's (its privileges, below).
    scopes: [],
    pkce: { required: () => true },
    cookies: {
      keys: [derive(deps.tokenSigningKey, 'oauth2-server:cookies').toString('base64url')],
      names: { session: 'oauth2_session', interaction: 'oauth2_interaction', resume: 'oauth2_resume' },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    jwks: { keys: [signingJwk(deps.tokenSigningKey)] },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    routes: {
      authorization: `${OAUTH2_PREFIX}/authorize`,
      token: `${OAUTH2_PREFIX}/token`,
      revocation: `${OAUTH2_PREFIX}/revoke`,
      introspection: `${OAUTH2_PREFIX}/introspect`,
      jwks: `${OAUTH2_PREFIX}/jwks`,
      userinfo: `${OAUTH2_PREFIX}/userinfo`,
      end_session: `${OAUTH2_PREFIX}/session/end`,
      pushed_authorization_request: `${OAUTH2_PREFIX}/par`,
    },
    discovery: { service_documentation: `${issuer}/docs/api` },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      // RFC 7009: an app revokes only its own tokens (others are ignored, as §2.2 allows for an unknown token).
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx: KoaLikeContext, client: Client, token: { clientId?: string }) =>
          token.clientId === client.clientId,
      },
      // RFC 7662 for the app's own servers: an app may introspect only the tokens issued to it.
      introspection: {
        enabled: true,
        allowedPolicy: (ctx: KoaLikeContext, client: Client, token: { clientId?: string }) =>
          token.clientId === client.clientId && ctx.oidc.client?.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: KoaLikeContext, indicator: string, client: Client) => {
          if (indicator !== resource) throw new errors.InvalidTarget('the only resource is this connector’s /v1 API');
          return {
            // What an app may ask for is its registered privileges (client-storage.ts).
            scope: client.privileges ?? '',
            audience: resource,
            accessTokenTTL: ACCESS_TOKEN_SECONDS,
            accessTokenFormat: 'opaque',
          };
        },
      },
    },
    // The token endpoint and the metadata are public to any origin (docs/api/third-party-apps.md): the
    // client authenticates itself; introspection and revocation are for the app's servers.
    clientBasedCORS: (ctx: KoaLikeContext) => ctx.oidc.route === 'token',
    issueRefreshToken: (_ctx: KoaLikeContext, client: Client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    // Revoking either token through RFC 7009 ends the member's whole authorization (the grant and
    // every token of it), as a reused refresh token does; the app then asks the member again.
    revokeGrantPolicy: () => true,
    // Tokens outlive oidc-provider's short login session (the console's session is the member's).
    expiresWithSession: () => false,
    // Each authorization asks the member again (no grant reused from oidc-provider's session);
    // after consent, the grant is the one the consent page made.
    loadExistingGrant: async (ctx: KoaLikeContext) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    // The account is a member id; a code or refresh token is good only while its consent row
    // exists and its member still belongs to the consent's group.
    findAccount: async (_ctx: unknown, sub: string, token?: { grantId?: string }) => {
      if (token?.grantId) {
        const consent = await deps.db.appAuthorization.findUnique({ where: { grantId: token.grantId } });
        if (!consent || consent.userId !== sub) return undefined;
        if (!(await currentRole(deps.db, consent.userId, consent.groupId))) return undefined;
      }
      return { accountId: sub, claims: () => ({ sub }) };
    },
    interactions: { policy, url: (_ctx: unknown, interaction: { uid: string }) => interactionPath(interaction.uid) },
    ttl: {
      AccessToken: ACCESS_TOKEN_SECONDS,
      AuthorizationCode: 60,
      RefreshToken: REFRESH_TOKEN_SECONDS,
      Grant: GRANT_SECONDS,
      Interaction: INTERACTION_SECONDS,
      Session: INTERACTION_SECONDS,
      IdToken: 60,
    },
    renderError: (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = errorPage(out);
    },
  });
  // Behind a TLS-terminating proxy, Koa must read X-Forwarded-Proto to set Secure cookies; the
  // issuer and every URL come from PUBLIC_URL, never from the request.
  provider.proxy = deps.config.TRUST_PROXY !== false;
  // A grant revoked by oidc-provider itself (a rotated refresh token used again, a refresh token
  // revoked through RFC 7009) ends the member's consent too, so the app leaves their list.
  provider.on('grant.revoked', (_ctx, grantId) => {
    forgetAuthorization(deps, String(grantId)).catch((error: unknown) =>
      deps.logger.error({ err: error }, 'could not forget a revoked app grant'),
    );
  });
  // RFC 8414 `scopes_supported`: the privileges (oidc-provider lists only OpenID Connect scopes there).
  provider.use(async (ctx: KoaLikeContext & { body?: unknown }, next: () => Promise<void>) => {
    await next();
    if (ctx.oidc?.route === 'discovery' && ctx.body && typeof ctx.body === 'object') {
      (ctx.body as Record<string, unknown>).scopes_supported = [...PRIVILEGES];
    }
  });
  provider.on('server_error', (_ctx, error) => deps.logger.error({ err: error }, 'authorization server error'));
  return provider;
}

function derive(key: Uint8Array, purpose: string): Buffer {
  return createHmac('sha256', key).update(purpose).digest();
}

/**
 * An ES256 key derived from TOKEN_SIGNING_KEY: oidc-provider wants one signing key even though it
 * issues no signed token here (no ID tokens, opaque access tokens), and a key generated at start
 * would differ between processes.
 */
function signingJwk(tokenSigningKey: Uint8Array) {
  const d = derive(tokenSigningKey, 'oauth2-server:signing-key');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  return {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
    d: d.toString('base64url'),
    use: 'sig',
    alg: 'ES256',
    kid: derive(tokenSigningKey, 'oauth2-server:signing-key-id').toString('base64url').slice(0, 16),
  };
}

const escapeText = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** oidc-provider's error page, with the console's style sheet (no inline style: the CSP forbids it). */
function errorPage(out: Record<string, string>): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorization failed · Export Connector</title>
<link rel="stylesheet" href="/console/assets/console.css"></head>
<body class="bare"><main class="page"><section class="auth-card">
<h1>This authorization cannot go on</h1>
<p class="muted">${escapeText(out.error_description ?? out.error ?? 'The request is not valid.')}</p>
<p class="muted">Go back to the app and start again.</p>
</section></main></body></html>`;
}
