import { randomBytes } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { HttpSession, SessionResponse } from './http-session.ts';
import { startOidcServer } from './oidc-server.ts';
import { driveOidcSignIn } from './oidc-sign-in.ts';

export interface OidcProviderOptions {
  /** The connector's redirect URI (`PUBLIC_URL/oauth/callback`), registered for the client. */
  redirectUri: string;
  tokenAuthMethod?: 'client_secret_post' | 'client_secret_basic';
  /** Issue a new refresh token on every refresh (the old one then revokes the whole grant if reused). */
  rotateRefreshTokens?: boolean;
  /** Access token lifetime; short values let refresh tests run quickly. Default 3600. */
  accessTokenTtlSeconds?: number;
}

export interface TestOidcProvider {
  issuer: string;
  /** The authorization endpoint with `prompt=consent`: oidc-provider issues refresh tokens only then. */
  authorizationUrl: string;
  tokenUrl: string;
  /**
   * Its RFC 7009 revocation endpoint (revocation is on: revoking a refresh or access token ends
   * its whole grant). Not in `oauthConfig()` unless asked: `oauthConfig({revocationUrl})`.
   */
  revocationUrl: string;
  clientId: string;
  clientSecret: string;
  tokenAuthMethod: 'client_secret_post' | 'client_secret_basic';
  /** The underlying oidc-provider instance (e.g. to listen to its events). */
  provider: Provider;
  /** True while the provider still holds this refresh token (revocation ends it with its whole grant). */
  isValidRefreshToken(token: string): Promise<boolean>;
  /** A `PUT /v1/exports/:id/oauth` body for this provider's client. */
  oauthConfig(overrides?: Record<string, unknown>): Record<string, unknown>;
  /**
   * Drives the provider's login and consent pages like a user in a browser, from the connector's
   * "Authorize Export" answer (a 302) to the provider's redirect back. Returns the callback URL the
   * provider sent the browser to, without requesting it. `deny: true` presses "Cancel"
   * (→ `?error=access_denied`).
   */
  signIn(session: HttpSession, start: SessionResponse | string, options?: SignInOptions): Promise<string>;
  close(): Promise<void>;
}

export interface SignInOptions {
  account?: string;
  deny?: boolean;
}

const SCOPES = ['openid', 'offline_access', 'crm.write'];

/**
 * A real oidc-provider on loopback as the CRM's authorization server: one confidential client
 * (client_secret_post or client_secret_basic), PKCE S256 required, refresh tokens issued for
 * `offline_access` with the consent prompt, RFC 9207 `iss` on the redirect back, and its
 * development login and consent pages (any account name, any password).
 */
export async function startOidcProvider(options: OidcProviderOptions): Promise<TestOidcProvider> {
  const clientId = `client-${randomBytes(4).toString('hex')}`;
  const clientSecret = `secret-${randomBytes(24).toString('base64url')}`;
  const tokenAuthMethod = options.tokenAuthMethod ?? 'client_secret_post';
  const { issuer, provider, close } = await startOidcServer({
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: tokenAuthMethod,
      },
    ],
    configuration: {
      scopes: SCOPES,
      features: { revocation: { enabled: true } },
      ttl: {
        AccessToken: options.accessTokenTtlSeconds ?? 3600,
        AuthorizationCode: 120,
        IdToken: 3600,
        RefreshToken: 14 * 24 * 3600,
        Interaction: 600,
        Session: 3600,
        Grant: 14 * 24 * 3600,
      },
      rotateRefreshToken: options.rotateRefreshTokens ?? false,
    },
  });

  return {
    issuer,
    authorizationUrl: `${issuer}/auth?prompt=consent`,
    tokenUrl: `${issuer}/token`,
    revocationUrl: `${issuer}/token/revocation`,
    clientId,
    clientSecret,
    tokenAuthMethod,
    provider,
    isValidRefreshToken: async (token) => {
      // The RefreshToken model is oidc-provider's, like AccessToken (apps/types/oidc-provider.d.ts names only that one).
      const model = (provider as unknown as { RefreshToken: { find(value: string): Promise<unknown> } }).RefreshToken;
      return Boolean(await model.find(token));
    },
    oauthConfig: (overrides = {}) => ({
      authorizationUrl: `${issuer}/auth?prompt=consent`,
      tokenUrl: `${issuer}/token`,
      clientId,
      clientSecret,
      scopes: SCOPES,
      tokenAuthMethod,
      issuer,
      ...overrides,
    }),
    signIn: (session, start, signInOptions = {}) =>
      driveOidcSignIn(session, start, options.redirectUri, {
        account: signInOptions.account ?? 'crm-user',
        deny: signInOptions.deny,
      }),
    close,
  };
}
