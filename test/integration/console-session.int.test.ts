import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium } from '../helpers/browser.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { signInOnPage } from '../helpers/console-pages.ts';
import { api, configureOAuth, createExport } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { signInNewMember } from '../helpers/members.ts';

// Signing in and out of the console, sessions that end under the manager, and the page-level
// protections (CSP, login CSRF, open redirects), in Debian's Chromium against the whole connector.
describe('console sessions in a real browser', () => {
  let connector: TestConnector;
  let browser: Browser;
  let adminToken: string;
  // The connector's clock runs this far ahead of the real one: moving it ends sessions for real.
  let clockOffsetMs = 0;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    connector = await startConnector({ workers: false, clock: { now: () => new Date(Date.now() + clockOffsetMs) } });
    browser = await launchChromium();
    adminToken = await connector.adminToken();
    rememberSecret(adminToken);
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await connector?.close();
  });

  async function newPage(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    contexts.push(context);
    const page = await context.newPage();
    return { page, errors: collectPageErrors(page, connector.baseUrl) };
  }

  it('keeps the session token out of reach of page scripts and signs out for good', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${connector.baseUrl}/console/exports`);
    await signInOnPage(page, ADMIN);
    await page.waitForURL('**/console/exports');

    // HttpOnly: scripts see the CSRF cookie only, never the authorization token.
    const visible = await page.evaluate<string>('document.cookie');
    expect(visible).toContain('csrftoken=');
    expect(visible).not.toContain('authtoken');
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'authtoken');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    rememberSecret(session?.value);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/console/sign-in?reason=signed-out');
    await page.getByText('You are signed out.').waitFor();
    // The page is gone without a new sign-in, and the old cookie no longer opens the API.
    await page.goto(`${connector.baseUrl}/console/exports`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    const reused = await fetch(`${connector.baseUrl}/v1/auth/me`, {
      headers: { cookie: `authtoken=${session?.value}` },
    });
    expect(reused.status).toBe(401);
    expect(errors.join('\n')).toBe('');
  });

  it('says plainly when the password is wrong', async () => {
    const { page } = await newPage();
    await page.goto(`${connector.baseUrl}/console/sign-in`);
    await signInOnPage(page, { username: ADMIN.username, password: 'not the password' });
    const alert = page.locator('#sign-in-error');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('The username or password is wrong');
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
  });

  it('lets a member of several groups choose the group, and shows it', async () => {
    const member = await signInNewMember(connector, 'manager');
    const second = `globex-${Date.now()}`;
    const created = await api(connector, 'POST', '/groups', member.token, { name: second });
    expect(created.status).toBe(201);

    const { page, errors } = await newPage();
    await page.goto(`${connector.baseUrl}/console/exports`);
    await signInOnPage(page, { username: member.username, password: member.password, group: second });
    await page.waitForURL('**/console/exports');
    expect(await page.locator('.account-group').textContent()).toBe(second);
    // The new group has none of acme's exports.
    await page.getByText('No exports yet').waitFor();
    expect(errors.join('\n')).toBe('');
  });

  it('shows a viewer the exports without the controls their role may not use', async () => {
    await createExport(connector, adminToken, { name: 'Seen by viewers' });
    const viewer = await signInNewMember(connector, 'viewer');
    const { page, errors } = await newPage();
    await page.goto(`${connector.baseUrl}/console/exports`);
    await signInOnPage(page, viewer);
    await page.getByRole('link', { name: 'Seen by viewers' }).click();
    await page.locator('#oauth-result[data-status="not_configured"]').waitFor();
    expect(await page.getByRole('link', { name: 'New export' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Configure OAuth' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Authorize Export' }).isDisabled()).toBe(true);
    expect(errors.join('\n')).toBe('');
  });

  it('sends an expired session to sign-in and then back to the page the manager was on', async () => {
    const { id } = await createExport(connector, adminToken, { name: 'Expiring session' });
    const { page, errors } = await newPage();
    await page.goto(`${connector.baseUrl}/console/exports/${id}`);
    await signInOnPage(page, ADMIN);
    await page.waitForURL(`**/console/exports/${id}`);
    await page.locator('#oauth-result[data-status="not_configured"]').waitFor();

    // The manager is away longer than the session lasts (60 minutes), then saves the form.
    clockOffsetMs += 61 * 60_000;
    await page.getByLabel('Name').fill('Expiring session, renamed');
    await page.getByRole('button', { name: 'Save webhook' }).click();
    await page.waitForURL('**/console/sign-in?**');
    const url = new URL(page.url());
    expect(url.searchParams.get('reason')).toBe('expired');
    expect(url.searchParams.get('next')).toBe(`/console/exports/${id}`);
    await page.getByText('Your session has expired').waitFor();

    await signInOnPage(page, ADMIN);
    await page.waitForURL(`**/console/exports/${id}`);
    await page.locator('#oauth-result[data-status="not_configured"]').waitFor();
    // Not renamed: the save that met the expired session did not happen.
    expect(await page.locator('#export-name').textContent()).toBe('Expiring session');

    // Opening a page on an expired session also goes through sign-in and back.
    clockOffsetMs += 61 * 60_000;
    await page.goto(`${connector.baseUrl}/console/exports/${id}?tab=1`);
    const again = new URL(page.url());
    expect(again.pathname).toBe('/console/sign-in');
    expect(again.searchParams.get('reason')).toBe('expired');
    expect(again.searchParams.get('next')).toBe(`/console/exports/${id}?tab=1`);
    expect(errors.join('\n')).toBe('');
  });

  it('refuses a sign-in posted from another site and never redirects outside the console', async () => {
    const crossSite = await fetch(`${connector.baseUrl}/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ username: ADMIN.username, password: ADMIN.password }),
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('set-cookie')).toBeNull();

    const { page } = await newPage();
    await page.goto(`${connector.baseUrl}/console/sign-in?next=${encodeURIComponent('//evil.example/console')}`);
    await signInOnPage(page, ADMIN);
    await page.waitForURL('**/console/exports');
    expect(new URL(page.url()).origin).toBe(connector.baseUrl);
  });

  it('serves pages with a Content-Security-Policy that allows no inline script or style', async () => {
    const res = await fetch(`${connector.baseUrl}/console/sign-in`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('refuses an "Authorize Export" started from another site for a signed-in manager', async () => {
    // A fresh token: an earlier test moved the connector's clock past the first one's expiry.
    const token = await connector.adminToken();
    rememberSecret(token);
    const created = await createExport(connector, token, { name: 'Targeted' });
    const crmAuthorize = 'https://crm.example.com/services/oauth2/authorize';
    await configureOAuth(connector, token, created.id, {
      authorizationUrl: crmAuthorize,
      tokenUrl: 'https://crm.example.com/services/oauth2/token',
      clientId: 'connected-app',
      clientSecret: 'connected-app-secret',
      scopes: ['api', 'refresh_token'],
    });
    const { page } = await newPage();
    await page.goto(`${connector.baseUrl}/console/exports`);
    await signInOnPage(page, ADMIN);
    await page.waitForURL('**/console/exports');
    const authorizeUrl = `${connector.baseUrl}/v1/exports/${created.id}/oauth/authorize`;

    // Over HTTP with the session cookie, as the browser would send it from each kind of page.
    const sessionCookie = (await page.context().cookies(connector.baseUrl)).find((c) => c.name === 'authtoken');
    rememberSecret(sessionCookie?.value);
    const cookie = `authtoken=${sessionCookie?.value}`;
    const get = (headers: Record<string, string>) => fetch(authorizeUrl, { headers, redirect: 'manual' });
    for (const site of ['cross-site', 'same-site']) {
      const refused = await get({ cookie, 'sec-fetch-site': site });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(await refused.json()).toMatchObject({ status: 403, code: 'CROSS_SITE_REQUEST' });
      expect(refused.headers.get('set-cookie')).toBeNull();
    }
    const fromConsole = await get({ cookie, 'sec-fetch-site': 'same-origin' });
    expect(fromConsole.status).toBe(302);
    expect(fromConsole.headers.get('location')).toContain(crmAuthorize);
    // A Bearer caller sends no Fetch Metadata and is no ambient credential: it keeps working.
    const bearer = await get({ authorization: `Bearer ${token}` });
    expect(bearer.status).toBe(302);

    // In the browser: a link on another site (localhost is another site than 127.0.0.1).
    const attacker = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><a id="prize" href="${authorizeUrl}">Claim your prize</a>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    try {
      await page.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
      const [answer] = await Promise.all([
        page.waitForResponse((response) => response.url() === authorizeUrl),
        page.locator('#prize').click(),
      ]);
      expect(answer.status()).toBe(403);
      await page.getByRole('heading', { name: 'Authorization refused' }).waitFor();
      expect(await page.getByRole('status').textContent()).toContain('started from another site');
      expect(new URL(page.url()).origin).toBe(connector.baseUrl);
    } finally {
      await new Promise((resolve) => attacker.close(resolve));
    }
    // The audit log shows the two authorizations started from the console and by Bearer, and the
    // three refused from other sites; none of those reached the CRM.
    const audit = await api(connector, 'GET', '/audit?action=export.oauth.authorize&limit=50', token);
    const attempts = (audit.body.items as { targetId: string; outcome: string; reason: string | null }[])
      .filter((item) => item.targetId === created.id)
      .map((item) => `${item.outcome} ${item.reason ?? ''}`.trim())
      .sort();
    expect(attempts).toEqual([
      'refused CROSS_SITE_REQUEST',
      'refused CROSS_SITE_REQUEST',
      'refused CROSS_SITE_REQUEST',
      'success',
      'success',
    ]);
  });
});
