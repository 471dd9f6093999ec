import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import express from 'express';
import { freePort } from '../../apps/core/net/free-port.ts';
import type { HttpSession, SessionResponse } from './http-session.ts';
import { rememberSecret } from './log-sink.ts';

/**
 * How the token endpoint answers: as Salesforce does (`normal`), with a signature that does not
 * check out, or failing the ways real endpoints fail (5xx, an HTML login page, broken JSON,
 * no answer at all, HTTP 200 with an OAuth error body as some CRMs answer).
 */
export type TokenEndpointMode =
  | 'normal'
  | 'bad-signature'
  | 'status-500'
  | 'html'
  | 'invalid-json'
  | 'hang'
  | 'hold'
  | 'error-200';

/** How `/services/oauth2/revoke` answers: as Salesforce does, with a 503, or never. */
export type RevokeEndpointMode = 'normal' | 'status-503' | 'hang';

/** The error body of the `error-200` mode: the CRM's own words the connector must show. */
export const ERROR_200_BODY = {
  error: 'invalid_grant',
  error_description: 'user hasn’t approved this consumer (answered with HTTP 200)',
};

export interface SalesforceLikeOptions {
  /** The connector's redirect URI, the only one accepted. */
  redirectUri: string;
  /** Issue a new refresh token on every refresh (Salesforce's default is not to). */
  rotateRefreshTokens?: boolean;
}

export interface SalesforceLike {
  baseUrl: string;
  authorizationUrl: string;
  tokenUrl: string;
  /** The org's API host, as `instance_url` in token answers. */
  instanceUrl: string;
  clientId: string;
  clientSecret: string;
  /** The token endpoint's behaviour from now on. */
  mode: TokenEndpointMode;
  /** Ends `hold` mode (once per org): the token requests held so far are answered as `normal`. */
  releaseHeld(): void;
  /** Calls to the token endpoint so far, by grant type. */
  tokenCalls: { authorization_code: number; refresh_token: number };
  /** `/services/oauth2/revoke` (RFC 7009, as Salesforce's "Revoke OAuth Tokens"). */
  revocationUrl: string;
  /** The revocation endpoint's behaviour from now on. */
  revokeMode: RevokeEndpointMode;
  /** Requests the revocation endpoint received (counted on arrival, answered or not), and tokens it revoked. */
  revokeCalls: { received: number; revoked: number; tokenTypeHints: string[] };
  /** True while a refresh token it issued is still accepted. */
  isValidRefreshToken(token: string): boolean;
  /** A `PUT /v1/exports/:id/oauth` body for this org's connected app. */
  oauthConfig(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** Follows "Authorize Export" to the redirect back (this org approves at once, or denies). */
  signIn(session: HttpSession, start: SessionResponse | string, options?: { deny?: boolean }): Promise<string>;
  /** True while an access token it issued is still accepted. */
  isValidAccessToken(token: string): boolean;
  /** Ends every session (access tokens refused from now on), as an org's session timeout does. */
  expireAccessTokens(): void;
  /** Revokes every refresh token: the next refresh answers invalid_grant. */
  revokeRefreshTokens(): void;
  close(): Promise<void>;
}

interface PendingCode {
  codeChallenge: string;
  redirectUri: string;
  scope: string;
  used: boolean;
  expiresAt: number;
}

/**
 * A Salesforce-like authorization server (login.salesforce.com's `/services/oauth2/authorize`
 * and `/token`) on loopback, answering as the real one does: no `expires_in`, `instance_url`,
 * `id`, `issued_at` in milliseconds as a string, `signature` = base64 HMAC-SHA256 of
 * `id + issued_at` keyed with the client secret, a refresh token only with the `refresh_token`
 * (or `offline_access`) scope, and refresh answers without a new refresh token. PKCE S256 is
 * required and checked; client_secret_post and client_secret_basic are both accepted.
 */
export async function startSalesforceLike(options: SalesforceLikeOptions): Promise<SalesforceLike> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const clientId = `3MVG9${randomBytes(12).toString('base64url')}`;
  const clientSecret = randomBytes(32).toString('hex').toUpperCase();
  rememberSecret(clientSecret);
  const orgId = `00D${randomBytes(6).toString('hex')}`;
  const userId = `005${randomBytes(6).toString('hex')}`;
  const codes = new Map<string, PendingCode>();
  const accessTokens = new Set<string>();
  const refreshTokens = new Map<string, string>(); // refresh token → scope
  const state = {
    mode: 'normal' as TokenEndpointMode,
    denyNext: false,
    tokenCalls: { authorization_code: 0, refresh_token: 0 },
    revokeMode: 'normal' as RevokeEndpointMode,
    revokeCalls: { received: 0, revoked: 0, tokenTypeHints: [] as string[] },
    instanceUrl: `https://${orgId.toLowerCase()}.my.salesforce.example`,
  };

  // `hold` mode: token requests wait for releaseHeld(), then go on as `normal`.
  let releaseHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    releaseHeld = () => {
      state.mode = 'normal';
      resolve();
    };
  });

  const app = express();
  app.use(express.urlencoded({ extended: false }));

  app.get('/services/oauth2/authorize', (req, res) => {
    const q = req.query as Record<string, string>;
    if (q.client_id !== clientId || q.redirect_uri !== options.redirectUri) {
      res.status(400).send('error=redirect_uri_mismatch');
      return;
    }
    const back = new URL(options.redirectUri);
    if (q.state) back.searchParams.set('state', q.state);
    if (q.response_type !== 'code' || !q.code_challenge || q.code_challenge_method !== 'S256') {
      back.searchParams.set('error', 'invalid_request');
      back.searchParams.set('error_description', 'missing required code challenge');
    } else if (state.denyNext) {
      state.denyNext = false;
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'end-user denied authorization');
    } else {
      const code = `aPrx${randomBytes(24).toString('base64')}`;
      rememberSecret(code);
      codes.set(code, {
        codeChallenge: q.code_challenge,
        redirectUri: q.redirect_uri,
        scope: q.scope ?? 'api',
        used: false,
        expiresAt: Date.now() + 15 * 60 * 1000,
      });
      back.searchParams.set('code', code);
    }
    res.redirect(302, back.href);
  });

  app.post('/services/oauth2/token', async (req, res) => {
    const body = req.body as Record<string, string>;
    const grant = body.grant_type === 'refresh_token' ? 'refresh_token' : 'authorization_code';
    state.tokenCalls[grant] += 1;
    if (state.mode === 'hold') await held;
    if (await misbehave(state.mode, res)) return;
    const client = clientOf(req.get('authorization'), body);
    if (client.id !== clientId || client.secret !== clientSecret) {
      res.status(400).json({ error: 'invalid_client', error_description: 'invalid client credentials' });
      return;
    }
    let scope: string;
    let refreshToken: string | undefined;
    if (body.grant_type === 'authorization_code') {
      const pending = body.code ? codes.get(body.code) : undefined;
      const verifierOk =
        pending &&
        createHash('sha256')
          .update(body.code_verifier ?? '')
          .digest('base64url') === pending.codeChallenge;
      if (!pending || pending.used || pending.expiresAt < Date.now() || pending.redirectUri !== body.redirect_uri) {
        res.status(400).json({ error: 'invalid_grant', error_description: 'authentication failure' });
        return;
      }
      pending.used = true;
      if (!verifierOk) {
        res.status(400).json({ error: 'invalid_grant', error_description: 'invalid code verifier' });
        return;
      }
      scope = pending.scope;
      if (/\b(refresh_token|offline_access)\b/.test(scope)) refreshToken = newRefreshToken(scope);
    } else if (body.grant_type === 'refresh_token') {
      const known = body.refresh_token ? refreshTokens.get(body.refresh_token) : undefined;
      if (known === undefined) {
        res.status(400).json({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
        return;
      }
      scope = known;
      if (options.rotateRefreshTokens) {
        refreshTokens.delete(body.refresh_token!);
        refreshToken = newRefreshToken(scope);
      }
    } else {
      res.status(400).json({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });
      return;
    }
    const accessToken = `${orgId}!AR${randomBytes(40).toString('base64url')}`;
    rememberSecret(accessToken);
    accessTokens.add(accessToken);
    const id = `${baseUrl}/id/${orgId}/${userId}`;
    const issuedAt = String(Date.now());
    const signed = createHmac('sha256', state.mode === 'bad-signature' ? 'not-the-secret' : clientSecret)
      .update(id + issuedAt)
      .digest('base64');
    res.json({
      access_token: accessToken,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      signature: signed,
      scope,
      instance_url: state.instanceUrl,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    });
  });

  // Salesforce accepts a refresh or access token in `token` and answers 200, or 400 for a token it
  // does not know; revoking a refresh token ends its sessions too (here: every access token).
  app.post('/services/oauth2/revoke', (req, res) => {
    const body = req.body as Record<string, string>;
    state.revokeCalls.received += 1;
    if (body.token_type_hint) state.revokeCalls.tokenTypeHints.push(body.token_type_hint);
    if (state.revokeMode === 'hang') return; // never answers; the connector must not wait for it
    if (state.revokeMode === 'status-503') {
      res.status(503).type('html').send('<html><body>Service Unavailable</body></html>');
      return;
    }
    const token = body.token ?? '';
    if (refreshTokens.delete(token)) accessTokens.clear();
    else if (!accessTokens.delete(token)) {
      res.status(400).json({ error: 'unsupported_token_type', error_description: 'this token type is not supported' });
      return;
    }
    state.revokeCalls.revoked += 1;
    res.status(200).end();
  });

  function newRefreshToken(scope: string): string {
    const token = `5Aep${randomBytes(40).toString('base64url')}`;
    rememberSecret(token);
    refreshTokens.set(token, scope);
    return token;
  }

  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  const authorizationUrl = `${baseUrl}/services/oauth2/authorize`;
  const tokenUrl = `${baseUrl}/services/oauth2/token`;
  const revocationUrl = `${baseUrl}/services/oauth2/revoke`;

  return {
    baseUrl,
    authorizationUrl,
    tokenUrl,
    instanceUrl: state.instanceUrl,
    clientId,
    clientSecret,
    get mode() {
      return state.mode;
    },
    set mode(value: TokenEndpointMode) {
      state.mode = value;
    },
    releaseHeld: () => releaseHeld(),
    tokenCalls: state.tokenCalls,
    revocationUrl,
    get revokeMode() {
      return state.revokeMode;
    },
    set revokeMode(value: RevokeEndpointMode) {
      state.revokeMode = value;
    },
    revokeCalls: state.revokeCalls,
    isValidRefreshToken: (token) => refreshTokens.has(token),
    oauthConfig: (overrides = {}) => ({
      authorizationUrl,
      tokenUrl,
      clientId,
      clientSecret,
      scopes: ['api', 'refresh_token'],
      ...overrides,
    }),
    signIn: async (session, start, signInOptions = {}) => {
      state.denyNext = Boolean(signInOptions.deny);
      const result = await session.follow(start, { stopAt: (url) => url.startsWith(options.redirectUri) });
      if (!result.stoppedAt) throw new Error(`the org did not redirect back: ${result.response?.body.slice(0, 200)}`);
      return result.stoppedAt;
    },
    isValidAccessToken: (token) => accessTokens.has(token),
    expireAccessTokens: () => accessTokens.clear(),
    revokeRefreshTokens: () => refreshTokens.clear(),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** RFC 6749 §2.3.1: client_secret_basic form-encodes id and secret before base64; post sends them in the body. */
function clientOf(authorization: string | undefined, body: Record<string, string>): { id?: string; secret?: string } {
  if (authorization?.startsWith('Basic ')) {
    const [id = '', secret = ''] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
    return { id: decodeURIComponent(id.replace(/\+/g, ' ')), secret: decodeURIComponent(secret.replace(/\+/g, ' ')) };
  }
  return { id: body.client_id, secret: body.client_secret };
}

/** Answers as a broken token endpoint would; true when it did (or never will). */
async function misbehave(mode: TokenEndpointMode, res: express.Response): Promise<boolean> {
  switch (mode) {
    case 'status-500':
      res.status(500).type('html').send('<html><body><h1>500 Internal Server Error</h1></body></html>');
      return true;
    case 'html':
      res.status(200).type('html').send('<!doctype html><html><body><form>Login to your org</form></body></html>');
      return true;
    case 'invalid-json':
      res.status(200).type('json').send('{"access_token": "00D!AR-truncated", "token_type": ');
      return true;
    case 'hang':
      return true; // never answers; the connector's timeout must end the wait
    case 'error-200':
      res.status(200).json(ERROR_200_BODY);
      return true;
    default:
      return false;
  }
}
