import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium } from '../helpers/browser.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { api } from '../helpers/http.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken, type SignedInMember, signInNewMember } from '../helpers/members.ts';
import { waitUntil } from '../helpers/wait.ts';

// Third-party apps (docs/api/third-party-apps.md): openid-client as the app, the connector's
// authorization server (oidc-provider) as the server, the member's sign-in and consent in the
// console in Chromium. Tokens issued by one API process are refreshed, introspected and revoked by
// a second process of the same deployment (same database, Redis and PUBLIC_URL) and after it restarts.
describe('third-party apps: OAuth API tokens for the connector’s own API', () => {
  let first: TestConnector;
  let second: TestConnector;
  let browser: Browser;
  let site: Server;
  let redirectUri: string;
  let adminToken: string;
  let manager: SignedInMember;
  let viewer: SignedInMember;
  let app: { id: string; clientId: string; clientSecret: string };
  /** Every value the connector issued in this file, to measure. */
  const issued: string[] = [];

  const APP_PRIVILEGES = ['exports:read', 'exports:write', 'deliveries:read', 'engagements:write'];

  /** A second API process of the same deployment: same database, Redis, keys and PUBLIC_URL. */
  const secondProcess = () =>
    startConnector({ shareWith: first, workers: false, env: { PUBLIC_URL: first.deps.config.PUBLIC_URL } });

  beforeAll(async () => {
    first = await startConnector({ workers: false });
    second = await secondProcess();
    adminToken = await first.adminToken();
    rememberSecret(adminToken, ADMIN.password);
    manager = await signInNewMember(first, 'manager', { adminToken });
    viewer = await signInNewMember(first, 'viewer', { adminToken });
    // The app's redirect URI: a loopback page that only says the browser arrived.
    site = createServer((_req, res) => res.end('back at the app'));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(site.address() as AddressInfo).port}/callback`;
    app = await registerApp('Partner dashboard', APP_PRIVILEGES);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    site?.close();
    await second?.close();
    await first?.close();
  });

  async function registerApp(name: string, privileges: string[]) {
    const created = await api(first, 'POST', '/apps', adminToken, { name, redirectUris: [redirectUri], privileges });
    expect(created.status, created.text).toBe(201);
    rememberSecret(created.body.clientSecret);
    issued.push(created.body.clientId, created.body.clientSecret);
    return created.body as { id: string; clientId: string; clientSecret: string };
  }

  /** The app's openid-client configuration from the connector's RFC 8414 metadata. */
  function discover(client = app, connector = first): Promise<oauth.Configuration> {
    return oauth.discovery(
      new URL(connector.baseUrl),
      client.clientId,
      undefined,
      oauth.ClientSecretBasic(client.clientSecret),
      { algorithm: 'oauth2', execute: [oauth.allowInsecureRequests] },
    );
  }

  /** The same app talking to another process (its own address, the deployment's issuer). */
  function atProcess(config: oauth.Configuration, connector: TestConnector, client = app): oauth.Configuration {
    // The metadata as data (serverMetadata() also carries helper methods).
    const metadata = JSON.parse(JSON.stringify(config.serverMetadata())) as oauth.ServerMetadata;
    const moved = (url: string | undefined) => url?.replace(first.baseUrl, connector.baseUrl);
    const other = new oauth.Configuration(
      {
        ...metadata,
        token_endpoint: moved(metadata.token_endpoint),
        revocation_endpoint: moved(metadata.revocation_endpoint),
        introspection_endpoint: moved(metadata.introspection_endpoint),
      },
      client.clientId,
      undefined,
      oauth.ClientSecretBasic(client.clientSecret),
    );
    oauth.allowInsecureRequests(other);
    return other;
  }

  interface Authorization {
    config: oauth.Configuration;
    page: Page;
    consentText: string;
    callback: URL;
  }

  /**
   * The whole front channel in Chromium: the app sends the browser to the authorization endpoint
   * (PKCE S256), the console signs the member in and shows the consent page, "Allow" or "Deny"
   * sends the browser back to the app's redirect URI.
   */
  async function authorizeInBrowser(
    member: { username: string; password: string },
    scope: string,
    options: { deny?: boolean; client?: typeof app } = {},
  ): Promise<Authorization & { verifier: string; state: string }> {
    const client = options.client ?? app;
    const config = await discover(client);
    const verifier = oauth.randomPKCECodeVerifier();
    const state = oauth.randomState();
    const url = oauth.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = collectPageErrors(page, first.baseUrl);
    await page.goto(url.href);
    await page.waitForURL('**/console/sign-in?**');
    await page.getByLabel('Username').fill(member.username);
    await page.getByLabel('Password').fill(member.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/console/authorize/**');
    await page.getByRole('button', { name: 'Deny' }).waitFor();
    const consentText = await page.locator('main').textContent();
    await page.getByRole('button', { name: options.deny ? 'Deny' : 'Allow' }).click();
    await page.waitForURL(`${redirectUri}?**`);
    const callback = new URL(page.url());
    expect(errors).toEqual([]);
    // The console's and the authorization server's cookies are issued values too.
    for (const cookie of await context.cookies()) issued.push(cookie.value);
    await context.close();
    return { config, page, consentText: consentText ?? '', callback, verifier, state };
  }

  /** Authorizes in the browser and exchanges the code: the app's tokens. */
  async function tokensFor(member: { username: string; password: string }, scope: string, client = app) {
    const flow = await authorizeInBrowser(member, scope, { client });
    const tokens = await oauth.authorizationCodeGrant(flow.config, flow.callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
    });
    rememberSecret(tokens.access_token, tokens.refresh_token);
    issued.push(tokens.access_token, String(tokens.refresh_token), String(flow.callback.searchParams.get('code')));
    return { ...flow, tokens };
  }

  /** The OAuth error code of a refused request, from the body (RFC 6749 §5.2) or a 401 challenge. */
  async function oauthError(request: Promise<unknown>): Promise<string | undefined> {
    try {
      await request;
      return undefined;
    } catch (error) {
      const e = error as { error?: string; cause?: { parameters?: { error?: string } }[] };
      return e.error ?? e.cause?.[0]?.parameters?.error;
    }
  }

  const call = (connector: TestConnector, token: string, method: string, path: string, body?: unknown) =>
    api(connector, method, path, token, body);

  it('publishes RFC 8414 metadata at /.well-known/oauth-authorization-server, public to any origin', async () => {
    const res = await fetch(`${first.baseUrl}/.well-known/oauth-authorization-server`, {
      headers: { origin: 'http://127.0.0.1:1' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:1');
    const metadata = (await res.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: first.baseUrl,
      authorization_endpoint: `${first.baseUrl}/oauth2/authorize`,
      token_endpoint: `${first.baseUrl}/oauth2/token`,
      revocation_endpoint: `${first.baseUrl}/oauth2/revoke`,
      introspection_endpoint: `${first.baseUrl}/oauth2/introspect`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
    });
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(APP_PRIVILEGES));
    // The token endpoint's preflight, from any origin.
    const preflight = await fetch(`${first.baseUrl}/oauth2/token`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:1', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:1');
  });

  it('registers apps for admins only: the secret in the 201 answer alone, fields named when invalid', async () => {
    expect(app.clientSecret).toMatch(/^cs_/);
    const list = await api(first, 'GET', '/apps', adminToken);
    expect(list.status).toBe(200);
    const listed = list.body.items.find((a: { id: string }) => a.id === app.id);
    expect(listed).toMatchObject({ clientId: app.clientId, name: 'Partner dashboard', redirectUris: [redirectUri] });
    expect([...listed.privileges].sort()).toEqual([...APP_PRIVILEGES].sort());
    expect(list.text).not.toContain(app.clientSecret);
    expect(JSON.stringify(await first.deps.db.thirdPartyApp.findMany())).not.toContain(app.clientSecret);

    const invalid = await api(first, 'POST', '/apps', adminToken, {
      name: '',
      redirectUris: ['http://partner.example/callback', 'https://partner.example/cb#frag'],
      privileges: ['exports:read', 'everything'],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
      ['name', 'privileges.1', 'redirectUris.0', 'redirectUris.1'].sort(),
    );
    const byManager = await api(first, 'POST', '/apps', manager.token, {
      name: 'Not mine',
      redirectUris: [redirectUri],
      privileges: ['exports:read'],
    });
    expect(byManager.status).toBe(403);
    expect((await api(first, 'GET', '/apps', manager.token)).status).toBe(403);
  });

  it('a member signs in through the console and consents; the token works on /v1 for their group', async () => {
    const flow = await tokensFor(manager, 'exports:read exports:write deliveries:read');
    expect(flow.consentText).toContain('Partner dashboard');
    expect(flow.consentText).toContain('Create, change and delete exports');
    expect(flow.consentText).toContain('See your group’s exports and their settings');
    expect(flow.callback.searchParams.get('iss')).toBe(first.baseUrl);
    const { tokens } = flow;
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.scope?.split(' ').sort()).toEqual(['deliveries:read', 'exports:read', 'exports:write']);
    expect(tokens.refresh_token).toBeTruthy();

    const created = await call(first, tokens.access_token, 'POST', '/exports', {
      name: 'Made by the app',
      webhookUrl: 'http://127.0.0.1:9/hook',
    });
    expect(created.status, created.text).toBe(201);
    rememberSecret(created.body.signingSecret);
    const read = await call(first, tokens.access_token, 'GET', `/exports/${created.body.id}`);
    expect(read.status).toBe(200);
    // The audit row names the member, whose consent the app acts on.
    const me = await call(first, tokens.access_token, 'GET', '/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.username ?? me.body.user?.username).toBe(manager.username);
    // Not asked for: not held.
    expect((await call(first, tokens.access_token, 'POST', '/engagements', { id: 'e-1' })).status).toBe(403);

    const authorized = await call(first, manager.token, 'GET', '/auth/apps');
    expect(authorized.status).toBe(200);
    expect(authorized.body.items).toEqual([
      expect.objectContaining({ id: app.id, name: 'Partner dashboard', privileges: expect.any(Array) }),
    ]);
  });

  it('privileges are what was asked ∩ the app’s ∩ the member’s current role', async () => {
    // The app was not registered for audit:read; a viewer holds no exports:write.
    const { tokens, consentText } = await tokensFor(viewer, 'exports:read exports:write audit:read');
    expect(tokens.scope).toBe('exports:read');
    expect(consentText).not.toContain('Create, change and delete exports');
    expect((await call(first, tokens.access_token, 'GET', '/exports')).status).toBe(200);
    const write = await call(first, tokens.access_token, 'POST', '/exports', {
      name: 'Not allowed',
      webhookUrl: 'http://127.0.0.1:9/hook',
    });
    expect(write.status).toBe(403);
    expect((await call(first, tokens.access_token, 'GET', '/audit')).status).toBe(403);

    // A member demoted after consenting loses the privilege on the next request.
    const member = await signInNewMember(first, 'manager', { adminToken });
    const granted = await tokensFor(member, 'exports:read exports:write');
    const body = { name: 'Before demotion', webhookUrl: 'http://127.0.0.1:9/hook' };
    const before = await call(first, granted.tokens.access_token, 'POST', '/exports', body);
    expect(before.status).toBe(201);
    rememberSecret(before.body.signingSecret);
    const demoted = await api(first, 'PATCH', `/groups/${ADMIN.group}/members/${member.username}`, adminToken, {
      role: 'viewer',
    });
    expect(demoted.status).toBe(200);
    expect((await call(first, granted.tokens.access_token, 'POST', '/exports', body)).status).toBe(403);
    expect((await call(first, granted.tokens.access_token, 'GET', '/exports')).status).toBe(200);
  });

  it('another group’s data answers 404 to the app’s token', async () => {
    const created = await api(first, 'POST', '/groups', adminToken, { name: 'beta' });
    expect(created.status).toBe(201);
    const beta = await requestToken(first, { ...ADMIN, group: 'beta' });
    const betaExport = await api(first, 'POST', '/exports', String(beta.body.token), {
      name: 'Beta export',
      webhookUrl: 'http://127.0.0.1:9/hook',
    });
    expect(betaExport.status).toBe(201);
    rememberSecret(betaExport.body.signingSecret);
    const { tokens } = await tokensFor(manager, 'exports:read');
    expect((await call(first, tokens.access_token, 'GET', `/exports/${betaExport.body.id}`)).status).toBe(404);
    const list = await call(first, tokens.access_token, 'GET', '/exports');
    expect(list.text).not.toContain(betaExport.body.id);
  });

  it('the token works on POST /v1/engagements (the engagement lane)', async () => {
    const { tokens } = await tokensFor(manager, 'engagements:write');
    const posted = await call(first, tokens.access_token, 'POST', '/engagements', {
      id: `eng-app-${Date.now()}`,
      completedAt: new Date().toISOString(),
    });
    expect([200, 202]).toContain(posted.status);
    expect((await call(first, tokens.access_token, 'GET', '/exports')).status).toBe(403);
  });

  it('Deny sends the browser back to the app with access_denied and no grant', async () => {
    const flow = await authorizeInBrowser(manager, 'exports:read', { deny: true });
    expect(flow.callback.searchParams.get('error')).toBe('access_denied');
    expect(flow.callback.searchParams.get('code')).toBeNull();
  });

  it('a member signed in to another group than the app’s can only deny', async () => {
    // The bootstrap admin belongs to acme and to beta (created above): signed in to beta, acme's app is not theirs to authorize.
    const config = await discover();
    const url = oauth.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'exports:read',
      state: oauth.randomState(),
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url.href);
    await page.getByLabel('Username').fill(ADMIN.username);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Group').selectOption('beta');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/console/authorize/**');
    await page.getByRole('button', { name: 'Deny' }).waitFor();
    expect(await page.locator('main').textContent()).toContain('registered for another group');
    expect(await page.getByRole('button', { name: 'Allow' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(`${redirectUri}?**`);
    expect(new URL(page.url()).searchParams.get('error')).toBe('access_denied');
    await context.close();
  });

  it('refresh and introspection through a second process; a rotated refresh token used again revokes the grant', async () => {
    const { tokens, config } = await tokensFor(manager, 'exports:read');
    const elsewhere = atProcess(config, second);
    const refreshed = await oauth.refreshTokenGrant(elsewhere, String(tokens.refresh_token));
    rememberSecret(refreshed.access_token, refreshed.refresh_token);
    issued.push(refreshed.access_token, String(refreshed.refresh_token));
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.scope).toBe('exports:read');
    expect((await call(first, refreshed.access_token, 'GET', '/exports')).status).toBe(200);
    expect((await call(second, refreshed.access_token, 'GET', '/exports')).status).toBe(200);

    const introspected = await oauth.tokenIntrospection(elsewhere, refreshed.access_token);
    expect(introspected).toMatchObject({ active: true, client_id: app.clientId, scope: 'exports:read' });
    // Another app may not look at this app's tokens.
    const other = await registerApp('Another app', ['exports:read']);
    const otherConfig = atProcess(config, second, other);
    expect((await oauth.tokenIntrospection(otherConfig, refreshed.access_token)).active).toBe(false);

    // The old refresh token again: refused, and the whole grant goes with it.
    await expect(oauth.refreshTokenGrant(elsewhere, String(tokens.refresh_token))).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(oauth.refreshTokenGrant(config, String(refreshed.refresh_token))).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect((await call(first, refreshed.access_token, 'GET', '/exports')).status).toBe(401);
    expect((await oauth.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
  });

  it('tokens issued before a restart refresh, introspect and revoke (RFC 7009) after it', async () => {
    const { tokens, config } = await tokensFor(manager, 'exports:read deliveries:read');
    const beforeRestart = await oauth.refreshTokenGrant(atProcess(config, second), String(tokens.refresh_token));
    rememberSecret(beforeRestart.access_token, beforeRestart.refresh_token);
    await second.close();
    second = await secondProcess();
    const restarted = atProcess(config, second);

    expect((await oauth.tokenIntrospection(restarted, beforeRestart.access_token)).active).toBe(true);
    expect((await call(second, beforeRestart.access_token, 'GET', '/exports')).status).toBe(200);
    const after = await oauth.refreshTokenGrant(restarted, String(beforeRestart.refresh_token));
    rememberSecret(after.access_token, after.refresh_token);
    issued.push(after.access_token, String(after.refresh_token));
    expect((await call(first, after.access_token, 'GET', '/exports')).status).toBe(200);

    // Revoking the refresh token ends the whole authorization: its access token too, in every process.
    await oauth.tokenRevocation(restarted, String(after.refresh_token));
    expect((await call(second, after.access_token, 'GET', '/exports')).status).toBe(401);
    expect((await call(first, after.access_token, 'GET', '/exports')).status).toBe(401);
    expect((await oauth.tokenIntrospection(restarted, after.access_token)).active).toBe(false);
    expect(await oauthError(oauth.refreshTokenGrant(config, String(after.refresh_token)))).toBe('invalid_grant');
  });

  it('revoking an access token (RFC 7009) ends the authorization, which leaves the member’s list', async () => {
    const member = await signInNewMember(first, 'viewer', { adminToken });
    const { tokens, config } = await tokensFor(member, 'exports:read');
    expect((await call(first, member.token, 'GET', '/auth/apps')).body.items).toHaveLength(1);
    await oauth.tokenRevocation(atProcess(config, second), tokens.access_token);
    expect((await call(first, tokens.access_token, 'GET', '/exports')).status).toBe(401);
    expect(await oauthError(oauth.refreshTokenGrant(config, String(tokens.refresh_token)))).toBe('invalid_grant');
    await waitUntil(async () => (await call(first, member.token, 'GET', '/auth/apps')).body.items.length === 0, {
      what: 'the revoked authorization to leave the list',
      timeoutMs: 5000,
    });
  });

  it('a member withdraws an app: its tokens stop at once, and it leaves the member’s list', async () => {
    const member = await signInNewMember(first, 'manager', { adminToken });
    const { tokens, config } = await tokensFor(member, 'exports:read');
    const listed = await call(first, member.token, 'GET', '/auth/apps');
    expect(listed.body.items.map((a: { id: string }) => a.id)).toEqual([app.id]);
    const withdrawn = await call(first, member.token, 'DELETE', `/auth/apps/${app.id}`);
    expect(withdrawn.status).toBe(204);
    expect((await call(second, tokens.access_token, 'GET', '/exports')).status).toBe(401);
    expect(await oauthError(oauth.refreshTokenGrant(config, String(tokens.refresh_token)))).toBe('invalid_grant');
    expect((await call(first, member.token, 'GET', '/auth/apps')).body.items).toEqual([]);
    expect((await call(first, member.token, 'DELETE', `/auth/apps/${app.id}`)).status).toBe(404);
  });

  it('an app deleted by an admin mid-session loses every token at once', async () => {
    const doomed = await registerApp('Short-lived app', ['exports:read']);
    const one = await tokensFor(manager, 'exports:read', doomed);
    const two = await tokensFor(viewer, 'exports:read', doomed);
    expect((await call(second, one.tokens.access_token, 'GET', '/exports')).status).toBe(200);
    const deleted = await api(first, 'DELETE', `/apps/${doomed.id}`, adminToken);
    expect(deleted.status).toBe(204);
    for (const { tokens } of [one, two]) {
      expect((await call(second, tokens.access_token, 'GET', '/exports')).status).toBe(401);
      expect((await call(first, tokens.access_token, 'GET', '/exports')).status).toBe(401);
    }
    expect(await oauthError(oauth.refreshTokenGrant(one.config, String(one.tokens.refresh_token)))).toBe(
      'invalid_client',
    );
    expect((await api(first, 'GET', '/apps', adminToken)).text).not.toContain(doomed.id);
    expect((await api(first, 'DELETE', `/apps/${doomed.id}`, adminToken)).status).toBe(404);
    const audit = await first.deps.db.auditLog.findMany({ where: { targetId: doomed.id } });
    expect(audit.map((a) => a.action).sort()).toEqual(['app.authorize', 'app.authorize', 'app.create', 'app.delete']);
  });

  it('an admin’s app token registers no app with more than it holds (PRIVILEGE_EXCEEDED)', async () => {
    const tool = await registerApp('Admin tool', ['api-keys:manage', 'exports:read']);
    const admin = await signInNewMember(first, 'admin', { adminToken });
    const { tokens } = await tokensFor(admin, 'api-keys:manage exports:read', tool);
    const exceeded = await call(first, tokens.access_token, 'POST', '/apps', {
      name: 'Escalation',
      redirectUris: [redirectUri],
      privileges: ['audit:read'],
    });
    expect(exceeded.status).toBe(403);
    expect(exceeded.body.code).toBe('PRIVILEGE_EXCEEDED');
  });

  it('every value issued is at most 255 characters', async () => {
    await waitUntil(() => issued.length > 20, { what: 'issued values', timeoutMs: 1000 });
    for (const value of issued) expect(value.length).toBeLessThanOrEqual(255);
    // Opaque access and refresh tokens: 43 characters.
    console.log(
      'issued value lengths:',
      [...new Set(issued.map((v) => v.length))].sort((a, b) => a - b),
    );
  });
});
