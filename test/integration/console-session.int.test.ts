import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium } from '../helpers/browser.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { signInOnPage } from '../helpers/console-pages.ts';
import { api, createExport } from '../helpers/exports.ts';
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
});
