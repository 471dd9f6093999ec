import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { HttpSession, type SessionResponse } from './http-session.ts';
import { rememberSecret } from './log-sink.ts';
import { startOidcServer } from './oidc-server.ts';
import { driveOidcSignIn } from './oidc-sign-in.ts';

/** One OpenID Connect client registered at the test identity provider. */
export interface IdpClient {
  clientId: string;
  clientSecret: string;
}

export interface TestIdentityProvider {
  issuer: string;
  /** The client the connector's group is configured with (its redirect URI is the connector's /sso/callback). */
  connectorClient: IdpClient;
  /** Another application's client at the same provider: its ID tokens are not for the connector. */
  otherClient: IdpClient;
  /** A `PUT /v1/groups/:group/sso` body for the connector's client. */
  ssoConfig(overrides?: Record<string, unknown>): Record<string, unknown>;
  /**
   * Drives the provider's login and consent pages like a person in a browser, from an
   * authorization URL (or a 302 to it) until the provider redirects to `redirectUri`; returns that
   * URL without requesting it.
   */
  signIn(
    session: HttpSession,
    start: string | SessionResponse,
    redirectUri: string,
    account: string,
    options?: { deny?: boolean },
  ): Promise<string>;
  /**
   * Signs `account` in as an application of its own would (authorization code, PKCE, nonce) with
   * `who` (default: the connector's client id) and returns the ID token the provider issued.
   */
  idTokenFor(account: string, who?: IdpClient): Promise<string>;
  close(): Promise<void>;
}

/** The redirect URI of the "application of its own" that obtains ID tokens: never requested. */
const APP_REDIRECT_URI = 'http://127.0.0.1:9/app/callback';

/**
 * A real oidc-provider on loopback as an enterprise identity provider: two confidential clients,
 * PKCE required, `email` and `profile` claims in the ID token (every account `name` is
 * `name@example.com`, verified), its development login and consent pages (any password).
 */
export async function startIdentityProvider(options: { connectorRedirectUri: string }): Promise<TestIdentityProvider> {
  const makeClient = (name: string): IdpClient => ({
    clientId: `${name}-${randomBytes(4).toString('hex')}`,
    clientSecret: `idp-${randomBytes(24).toString('base64url')}`,
  });
  const connectorClient = makeClient('connector');
  const otherClient = makeClient('other-app');
  const registration = (c: IdpClient, redirectUris: string[]) => ({
    client_id: c.clientId,
    client_secret: c.clientSecret,
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  });

  const { issuer, close } = await startOidcServer({
    clients: [
      registration(connectorClient, [options.connectorRedirectUri, APP_REDIRECT_URI]),
      registration(otherClient, [APP_REDIRECT_URI]),
    ],
    claims: (accountId) => ({
      email: `${accountId}@example.com`,
      email_verified: true,
      preferred_username: accountId,
      name: accountId,
    }),
    configuration: {
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username', 'name'] },
      // Put the scope's claims in the ID token itself (oidc-provider keeps them for userinfo by default).
      conformIdTokenClaims: false,
      ttl: { AuthorizationCode: 120, IdToken: 3600, AccessToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
    },
  });

  const idp: TestIdentityProvider = {
    issuer,
    connectorClient,
    otherClient,
    ssoConfig: (overrides = {}) => ({
      issuer,
      clientId: connectorClient.clientId,
      clientSecret: connectorClient.clientSecret,
      ...overrides,
    }),
    signIn: (session, start, redirectUri, account, signInOptions) =>
      driveOidcSignIn(session, start, redirectUri, { account, deny: signInOptions?.deny }),
    idTokenFor: async (account, who = connectorClient) => {
      const config = await client.discovery(new URL(issuer), who.clientId, who.clientSecret, undefined, {
        execute: [client.allowInsecureRequests],
      });
      const verifier = client.randomPKCECodeVerifier();
      const nonce = client.randomNonce();
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: APP_REDIRECT_URI,
        scope: 'openid email profile',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        nonce,
        state,
      });
      const callback = await driveOidcSignIn(new HttpSession(), url.href, APP_REDIRECT_URI, { account });
      const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
        pkceCodeVerifier: verifier,
        expectedNonce: nonce,
        expectedState: state,
      });
      if (!tokens.id_token) throw new Error('the provider issued no ID token');
      rememberSecret(tokens.id_token);
      return tokens.id_token;
    },
    close,
  };
  return idp;
}
