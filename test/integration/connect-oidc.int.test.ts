import { afterAll, describe, expect } from 'vitest';
import { sha256Hex } from '../../apps/core/crypto/hashing.ts';
import { loadTokens } from '../../apps/core/oauth/connection-store.ts';
import type { TestConnector } from '../helpers/connector.ts';
import {
  api,
  callbackPageData,
  configureOAuth,
  createExport,
  pollCallbackResult,
  pressAuthorize,
  rawSecretRows,
  secretsOfExport,
  waitForOAuthStatus,
} from '../helpers/exports.ts';
import { it } from '../helpers/fixtures.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';

describe('"Authorize Export" against a real oidc-provider, exchanged by the real worker', () => {
  let connector: TestConnector;
  let provider: TestOidcProvider;
  let basicProvider: TestOidcProvider;
  let token: string;

  it.beforeAll(async ({ connector: started, adminToken }) => {
    connector = started;
    token = adminToken;
    const redirectUri = connector.deps.config.redirectUri;
    provider = await startOidcProvider({ redirectUri });
    basicProvider = await startOidcProvider({ redirectUri, tokenAuthMethod: 'client_secret_basic' });
  });
  afterAll(async () => {
    await provider?.close();
    await basicProvider?.close();
  });

  it('goes from "Authorize Export" through login and consent to authorized, with tokens stored encrypted', async () => {
    const exp = await createExport(connector, token);
    await configureOAuth(connector, token, exp.id, provider.oauthConfig());
    expect((await api(connector, 'GET', `/exports/${exp.id}/oauth`, token)).body).toMatchObject({
      configured: true,
      status: 'not_authorized',
    });

    const { session, answer } = await pressAuthorize(connector, token, exp.id);
    // The 302 carries every parameter of RFC 6749 §4.1.1 and PKCE S256 (RFC 7636 §4.3).
    const location = new URL(answer.location!);
    expect(location.origin + location.pathname).toBe(`${provider.issuer}/auth`);
    const q = Object.fromEntries(location.searchParams);
    expect(q).toMatchObject({
      response_type: 'code',
      client_id: provider.clientId,
      redirect_uri: `${connector.baseUrl}/oauth/callback`,
      scope: 'openid offline_access crm.write',
      code_challenge_method: 'S256',
      prompt: 'consent',
    });
    expect(q.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // At least 128 bits of state; stored only as its hash.
    expect(Buffer.from(q.state!, 'base64url').length).toBeGreaterThanOrEqual(16);
    rememberSecret(q.state);
    const request = await connector.deps.db.authorizationRequest.findFirstOrThrow({ where: { exportId: exp.id } });
    expect(request.stateHash).toBe(sha256Hex(q.state!));
    expect(request.expiresAt.getTime() - request.createdAt.getTime()).toBeLessThanOrEqual(10 * 60 * 1000 + 1000);
    // The binding cookie: HttpOnly, SameSite=Lax, only for the callback path, short-lived.
    const setCookie = answer.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\/oauth\/callback/i);
    expect(setCookie).toMatch(/Max-Age=600/i);

    const callbackUrl = await provider.signIn(session, answer);
    const callback = new URL(callbackUrl);
    expect(callback.searchParams.get('iss')).toBe(provider.issuer);
    rememberSecret(callback.searchParams.get('code'));
    const page = await session.get(callbackUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    // No inline script and no third-party content: one same-origin script under a strict CSP.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc="\/oauth\/callback\/callback\.js")/);
    expect(page.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const data = callbackPageData(page);
    expect(data).toMatchObject({ status: 'pending', 'export-id': exp.id, 'request-id': request.id });

    const result = await pollCallbackResult(connector, session, request.id);
    expect(result).toMatchObject({ status: 'authorized', exportId: exp.id });
    const view = await waitForOAuthStatus(connector, token, exp.id);
    expect(view).toMatchObject({
      configured: true,
      status: 'authorized',
      message: 'Authorized: deliveries use this connection.',
      scopes: expect.arrayContaining(['openid', 'offline_access', 'crm.write']),
    });
    expect(Date.parse(view.expiresAt as string)).toBeGreaterThan(Date.now() + 3000 * 1000);
    expect(view.authorizedAt).toBeTruthy();

    const export_ = await api(connector, 'GET', `/exports/${exp.id}`, token);
    expect(export_.body).toMatchObject({ status: 'authorized', oauth: { status: 'authorized' } });

    // Tokens, client secret, signing secret, verifier, code and state: in no answer, no row, no log.
    const secrets = [...(await secretsOfExport(connector, exp.id)), q.state!, callback.searchParams.get('code')!];
    const tokens = await loadTokens(connector.deps, exp.id);
    expect(tokens?.refreshToken).toBeTruthy();
    expect(tokens?.tokenType).toBe('bearer');
    const answers = [view, export_.body, (await api(connector, 'GET', '/exports', token)).body, page.body, result];
    const raw = await rawSecretRows(connector);
    for (const secret of secrets) {
      for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(secret);
      expect(raw).not.toContain(secret);
      expect(connector.logs.text()).not.toContain(secret);
    }
    const stored = await connector.deps.db.oAuthConnection.findUniqueOrThrow({ where: { exportId: exp.id } });
    expect(stored.accessTokenEnc).toMatch(/^v1\./);
    expect(stored.refreshTokenEnc).toMatch(/^v1\./);
    const used = await connector.deps.db.authorizationRequest.findUniqueOrThrow({ where: { id: request.id } });
    expect(used).toMatchObject({ status: 'authorized', codeEnc: null });
    expect(used.usedAt).toBeTruthy();
  });

  it('authenticates with client_secret_basic when the configuration says so', async () => {
    const exp = await createExport(connector, token);
    await configureOAuth(connector, token, exp.id, basicProvider.oauthConfig());
    const { session, answer } = await pressAuthorize(connector, token, exp.id);
    const callbackUrl = await basicProvider.signIn(session, answer);
    await session.get(callbackUrl);
    const view = await waitForOAuthStatus(connector, token, exp.id);
    expect(view).toMatchObject({ status: 'authorized' });
  });
});
