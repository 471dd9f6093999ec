import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnector, type TestConnector } from '../helpers/connector.ts';
import { requestJson } from '../helpers/http.ts';
import { HttpSession, type SessionResponse } from '../helpers/http-session.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken, signInNewMember } from '../helpers/members.ts';
import { startIdentityProvider, type TestIdentityProvider } from '../helpers/oidc-identity-provider.ts';

// A clock the test can move, to present an ID token after it expired.
let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };

describe('SSO with a real OpenID Connect provider', () => {
  let connector: TestConnector;
  let idp: TestIdentityProvider;
  let otherIdp: TestIdentityProvider;
  let adminToken: string;
  let callbackUri: string;

  beforeAll(async () => {
    connector = await startConnector({ clock, workers: false });
    callbackUri = `${connector.baseUrl}/sso/callback`;
    idp = await startIdentityProvider({ connectorRedirectUri: callbackUri });
    otherIdp = await startIdentityProvider({ connectorRedirectUri: callbackUri });
    adminToken = await connector.adminToken();
    rememberSecret(adminToken);
  });
  afterAll(async () => {
    await connector?.close();
    await idp?.close();
    await otherIdp?.close();
  });

  const api = (path: string, init: { method?: string; body?: string; token?: string } = {}) =>
    requestJson<Record<string, unknown>>(init.method ?? 'GET', `${connector.baseUrl}${path}`, {
      token: init.token ?? adminToken,
      body: init.body,
    }).then((answer) => ({ ...answer, body: answer.body ?? {} }));

  /** A browser: "Sign in with SSO" → provider login and consent → back at the connector's callback. */
  async function ssoSignIn(account: string, options: { tamper?: (providerUrl: URL) => void } = {}) {
    const browser = new HttpSession();
    const start = await browser.get(`${connector.baseUrl}/sso/start?group=acme`);
    expect(start.status).toBe(302);
    const providerUrl = new URL(String(start.location));
    options.tamper?.(providerUrl);
    const callbackUrl = await idp.signIn(browser, providerUrl.href, callbackUri, account);
    const callback = await browser.get(callbackUrl);
    return { browser, start, providerUrl, callbackUrl, callback };
  }

  const cookiesOf = async (browser: HttpSession) =>
    Object.fromEntries((await browser.jar.getCookies(`${connector.baseUrl}/v1/`)).map((c) => [c.key, c.value]));

  const refusalCode = (page: SessionResponse) => /data-code="([A-Z_]+)"/.exec(page.body)?.[1];

  describe('configuration (PUT /v1/groups/:group/sso)', () => {
    it('refuses a bad issuer, one that does not answer discovery, and a missing secret (400 naming fields)', async () => {
      const notUrl = await api('/v1/groups/acme/sso', {
        method: 'PUT',
        body: JSON.stringify(idp.ssoConfig({ issuer: 'nope' })),
      });
      expect(notUrl.status).toBe(400);
      expect((notUrl.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['issuer']);
      const silent = await api('/v1/groups/acme/sso', {
        method: 'PUT',
        body: JSON.stringify(idp.ssoConfig({ issuer: 'http://127.0.0.1:9' })),
      });
      expect(silent.status).toBe(400);
      expect(silent.body.detail).toMatch(/discovery/);
      const noSecret = await api('/v1/groups/acme/sso', {
        method: 'PUT',
        body: JSON.stringify({ issuer: idp.issuer, clientId: idp.connectorClient.clientId }),
      });
      expect((noSecret.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['clientSecret']);
      expect((await api('/v1/groups/acme/sso')).status).toBe(404);
    });

    it('saves the provider after discovery, never shows the secret, and is for admins of the group only', async () => {
      const put = await api('/v1/groups/acme/sso', {
        method: 'PUT',
        body: JSON.stringify(idp.ssoConfig({ defaultRole: 'manager' })),
      });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({
        issuer: idp.issuer,
        clientId: idp.connectorClient.clientId,
        clientSecretSet: true,
        defaultRole: 'manager',
        redirectUri: callbackUri,
        signInUrl: `${connector.baseUrl}/sso/start?group=acme`,
        updatedAt: expect.any(String),
      });
      const row = await connector.deps.db.ssoProvider.findFirstOrThrow();
      expect(row.clientSecretEnc).not.toContain(idp.connectorClient.clientSecret);
      const get = await api('/v1/groups/acme/sso');
      expect(JSON.stringify(get.body)).not.toContain(idp.connectorClient.clientSecret);
      const manager = await signInNewMember(connector, 'manager');
      expect((await api('/v1/groups/acme/sso', { token: manager.token })).status).toBe(403);
      expect((await api('/v1/groups/elsewhere/sso')).status).toBe(404);
    });
  });

  describe('"Sign in with SSO" on the console', () => {
    let firstCallbackUrl: string;

    it('runs the code flow with PKCE and a nonce, creates the member with the default role, and opens a session', async () => {
      const { browser, providerUrl, callbackUrl, callback } = await ssoSignIn('dana');
      firstCallbackUrl = callbackUrl;
      expect(providerUrl.origin).toBe(idp.issuer);
      expect(Object.fromEntries(providerUrl.searchParams)).toMatchObject({
        response_type: 'code',
        client_id: idp.connectorClient.clientId,
        redirect_uri: callbackUri,
        scope: 'openid email profile',
        code_challenge_method: 'S256',
        code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        state: expect.any(String),
        nonce: expect.any(String),
      });
      expect(callback.status).toBe(303);
      expect(callback.location).toBe(`${connector.baseUrl}/console/exports`);
      const cookies = await cookiesOf(browser);
      expect(Object.keys(cookies)).toEqual(expect.arrayContaining(['authtoken', 'csrftoken']));
      rememberSecret(cookies.authtoken);
      const me = await browser.get(`${connector.baseUrl}/v1/auth/me`);
      expect(me.status).toBe(200);
      expect(JSON.parse(me.body)).toMatchObject({
        user: { username: 'dana@example.com' },
        group: { name: 'acme' },
        role: 'manager',
      });
    });

    it('signs the same person in as the same member the next time', async () => {
      const before = await connector.deps.db.membership.count();
      const { browser, callback } = await ssoSignIn('dana');
      expect(callback.status).toBe(303);
      expect(await connector.deps.db.membership.count()).toBe(before);
      const me = JSON.parse((await browser.get(`${connector.baseUrl}/v1/auth/me`)).body) as {
        user: { username: string };
      };
      expect(me.user.username).toBe('dana@example.com');
    });

    it('refuses an ID token issued for another sign-in (wrong nonce)', async () => {
      const { browser, callback } = await ssoSignIn('erin', {
        tamper: (url) => url.searchParams.set('nonce', 'a-nonce-the-connector-never-made'),
      });
      expect(callback.status).toBe(401);
      expect(refusalCode(callback)).toBe('SSO_NONCE_MISMATCH');
      expect(callback.body).toContain('nonce does not match');
      expect(Object.keys(await cookiesOf(browser))).not.toContain('authtoken');
      expect(await connector.deps.db.user.findFirst({ where: { username: 'erin@example.com' } })).toBeNull();
    });

    it('tells the person when they cancel at the provider (SSO_DENIED)', async () => {
      const browser = new HttpSession();
      const start = await browser.get(`${connector.baseUrl}/sso/start?group=acme`);
      const callbackUrl = await idp.signIn(browser, String(start.location), callbackUri, 'nina', { deny: true });
      expect(new URL(callbackUrl).searchParams.get('error')).toBe('access_denied');
      const callback = await browser.get(callbackUrl);
      expect(callback.status).toBe(401);
      expect(refusalCode(callback)).toBe('SSO_DENIED');
      expect(callback.body).toContain('access_denied');
    });

    it('refuses a callback replayed, or completed in another browser', async () => {
      const replay = await new HttpSession().get(firstCallbackUrl);
      expect(replay.status).toBe(401);
      expect(refusalCode(replay)).toBe('SSO_STATE_UNKNOWN');

      const victim = new HttpSession();
      const start = await victim.get(`${connector.baseUrl}/sso/start?group=acme`);
      const callbackUrl = await idp.signIn(victim, String(start.location), callbackUri, 'frank');
      const elsewhere = await new HttpSession().get(callbackUrl);
      expect(elsewhere.status).toBe(401);
      expect(refusalCode(elsewhere)).toBe('SSO_BROWSER_MISMATCH');
    });

    it('tells a person when the group has no SSO and asks for the group when none is given', async () => {
      const none = await new HttpSession().get(`${connector.baseUrl}/sso/start?group=nobody`);
      expect(none.status).toBe(404);
      expect(none.body).toContain('SSO is not set up for the group');
      const ask = await new HttpSession().get(`${connector.baseUrl}/sso/start`);
      expect(ask.status).toBe(200);
      expect(ask.body).toContain('<label for="sso-group">Group</label>');
      const script = await fetch(`${connector.baseUrl}/sso/assets/sso-start.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toContain('javascript');
      const signInPage = await new HttpSession().get(`${connector.baseUrl}/console/sign-in`);
      expect(signInPage.body).toMatch(/<a [^>]*href="\/sso\/start\?next=[^"]+"[^>]*>Sign in with SSO<\/a>/);
    });
  });

  describe('ID token exchange (POST /v1/auth/token {idToken})', () => {
    it('exchanges an ID token from the group’s provider for an authorization token', async () => {
      const idToken = await idp.idTokenFor('gina');
      const res = await requestToken(connector, { idToken, duration: 15 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ group: 'acme', role: 'manager', token: expect.any(String) });
      const me = await api('/v1/auth/me', { token: String(res.body.token) });
      expect(me.body).toMatchObject({ user: { username: 'gina@example.com' }, role: 'manager' });
      const again = await requestToken(connector, { idToken });
      expect(again).toMatchObject({ status: 401, body: { code: 'ID_TOKEN_REUSED' } });
    });

    it('refuses a tampered ID token', async () => {
      const idToken = await idp.idTokenFor('hal');
      const [header, payload, signature] = idToken.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
      const res = await requestToken(connector, { idToken: `${header}.${forged}.${signature}` });
      expect(res).toMatchObject({ status: 401, body: { code: 'ID_TOKEN_SIGNATURE_INVALID' } });
      const flipped = `${header}.${payload}.${signature.slice(0, -4)}${signature.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
      expect((await requestToken(connector, { idToken: flipped })).body.code).toBe('ID_TOKEN_SIGNATURE_INVALID');
    });

    it('refuses an ID token issued to another client (wrong audience)', async () => {
      const idToken = await idp.idTokenFor('ivan', idp.otherClient);
      const res = await requestToken(connector, { idToken });
      expect(res).toMatchObject({ status: 401, body: { code: 'ID_TOKEN_AUDIENCE' } });
    });

    it('refuses an ID token from an issuer no group trusts, a malformed one, and an expired one', async () => {
      const foreign = await otherIdp.idTokenFor('jo');
      expect((await requestToken(connector, { idToken: foreign })).body.code).toBe('ID_TOKEN_UNTRUSTED_ISSUER');
      expect((await requestToken(connector, { idToken: 'not.a.jwt' })).body.code).toBe('ID_TOKEN_MALFORMED');
      const idToken = await idp.idTokenFor('kim');
      offsetMs = 2 * 3600_000;
      try {
        expect((await requestToken(connector, { idToken })).body.code).toBe('ID_TOKEN_EXPIRED');
      } finally {
        offsetMs = 0;
      }
    });
  });

  describe('members created by SSO', () => {
    it('stay out once an admin removed them, and have no password to change', async () => {
      const idToken = await idp.idTokenFor('lou');
      const signedIn = await requestToken(connector, { idToken });
      const token = String(signedIn.body.token);
      const change = await api('/v1/auth/password', {
        method: 'PUT',
        token,
        body: JSON.stringify({ currentPassword: 'whatever', newPassword: 'something-new' }),
      });
      expect(change).toMatchObject({ status: 409, body: { code: 'PASSWORD_NOT_SET' } });
      const removed = await api('/v1/groups/acme/members/lou@example.com', { method: 'DELETE' });
      expect(removed.status).toBe(204);
      const back = await requestToken(connector, { idToken: await idp.idTokenFor('lou') });
      expect(back).toMatchObject({ status: 401, body: { code: 'SSO_MEMBER_REMOVED' } });
    });

    it('audits every SSO sign-in and refusal with its reason', async () => {
      const audit = await api('/v1/audit?action=auth.token.issue&limit=100');
      const rows = audit.body.items as { outcome: string; reason: string | null; details: { credential?: string } }[];
      const seen = new Set(rows.map((r) => `${r.details?.credential}:${r.outcome}:${r.reason ?? ''}`));
      for (const entry of [
        'sso:success:',
        'sso:refused:SSO_NONCE_MISMATCH',
        'sso:refused:SSO_BROWSER_MISMATCH',
        'sso:refused:SSO_DENIED',
        'id_token:success:',
        'id_token:refused:ID_TOKEN_SIGNATURE_INVALID',
        'id_token:refused:ID_TOKEN_AUDIENCE',
        'id_token:refused:ID_TOKEN_REUSED',
        'id_token:refused:SSO_MEMBER_REMOVED',
      ]) {
        expect(seen).toContain(entry);
      }
      // A state the connector does not know names no group: that row is kept for operators only.
      const unknownState = await connector.deps.db.auditLog.findFirst({ where: { reason: 'SSO_STATE_UNKNOWN' } });
      expect(unknownState).toMatchObject({ groupId: null, outcome: 'refused', action: 'auth.token.issue' });
      const config = await api('/v1/audit?action=sso_provider.&limit=10');
      expect((config.body.items as { action: string }[]).map((r) => r.action)).toContain('sso_provider.create');
    });
  });
});
