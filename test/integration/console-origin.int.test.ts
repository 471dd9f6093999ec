import type { Browser } from 'playwright-core';
import { describe, expect } from 'vitest';
import { ADMIN, type TestConnector } from '../helpers/connector.ts';
import { describeViolations, axeViolations } from '../helpers/axe.ts';
import { collectPageErrors, launchChromium } from '../helpers/browser.ts';
import { signInOnPage } from '../helpers/console-pages.ts';
import { configureOAuth, createExport, pressAuthorize } from '../helpers/exports.ts';
import { it } from '../helpers/fixtures.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { waitUntil } from '../helpers/wait.ts';

/** The same URL on the other loopback name: 127.0.0.1 ↔ localhost (both reach the connector). */
function atOtherName(url: string): string {
  const u = new URL(url);
  u.hostname = u.hostname === '127.0.0.1' ? 'localhost' : '127.0.0.1';
  return u.toString();
}

describe('the console opened at another address than PUBLIC_URL', () => {
  let connector: TestConnector;
  let browser: Browser;

  it.beforeAll(async ({ connector: started }) => {
    connector = started;
    browser = await launchChromium();
  });
  it.afterAll(async () => {
    await browser?.close();
  });

  it('says so on every page, with a link to the same page at PUBLIC_URL', async () => {
    // The test connector's PUBLIC_URL is http://127.0.0.1:<port>; the console is opened at localhost.
    const publicOrigin = new URL(connector.baseUrl).origin;
    const elsewhere = new URL(atOtherName(connector.baseUrl)).origin;
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page, elsewhere);

    await page.goto(`${elsewhere}/console/sign-in`);
    const banner = page.getByRole('alert').filter({ hasText: 'You opened the console at' });
    await expect
      .poll(() => banner.textContent())
      .toBe(
        `You opened the console at ${elsewhere}; this connector's address is ${publicOrigin}. ` +
          `Authorize Export only works from ${publicOrigin}.Open this page at ${publicOrigin}`,
      );
    const link = banner.getByRole('link', { name: `Open this page at ${publicOrigin}` });
    expect(await link.getAttribute('href')).toBe(`${publicOrigin}/console/sign-in`);
    const violations = await axeViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

    // Signed in there, an inner page says the same, and its link keeps the path.
    await signInOnPage(page, ADMIN);
    await page.waitForURL(/\/console\/exports/);
    await banner.waitFor();
    expect(await link.getAttribute('href')).toBe(`${publicOrigin}/console/exports`);

    // Followed, the link opens the page at PUBLIC_URL, where no banner shows.
    await link.click();
    await page.waitForURL(`${publicOrigin}/console/**`);
    await page
      .getByRole('heading', { name: 'Sign in' })
      .or(page.getByRole('heading', { name: 'Exports' }))
      .first()
      .waitFor();
    expect(await page.locator('#origin-warning').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the OAuth callback without its cookie, at another address, says which address to use', async ({
    adminToken,
    oidcProvider,
  }) => {
    const exp = await createExport(connector, adminToken);
    await configureOAuth(connector, adminToken, exp.id, oidcProvider.oauthConfig());
    const { session, answer } = await pressAuthorize(connector, adminToken, exp.id);
    rememberSecret(new URL(answer.location!).searchParams.get('state'));
    const callbackUrl = await oidcProvider.signIn(session, answer);
    rememberSecret(new URL(callbackUrl).searchParams.get('code'));

    const publicOrigin = new URL(connector.baseUrl).origin;
    const elsewhere = atOtherName(callbackUrl);
    const page = await new HttpSession().get(elsewhere);
    expect(page.status).toBe(400);
    expect(page.body).toContain(
      `You opened the console at ${new URL(elsewhere).origin}; this connector&#39;s address is ${publicOrigin}.`,
    );
    expect(page.body).not.toContain('another browser');

    // In the browser that started it, the callback goes through: its request id follows the code
    // into the token-exchange job, whose log lines carry it with the group.
    const callback = await session.get(callbackUrl);
    expect(callback.status).toBe(200);
    const requestId = callback.headers.get('x-request-id');
    expect(requestId).toMatch(/^req_/);
    const authorized = await waitUntil(
      () => connector.logs.records().find((r) => r.msg === 'export authorized' && r.exportId === exp.id),
      { what: 'the token exchange to finish', timeoutMs: 20_000 },
    );
    expect(authorized).toMatchObject({ requestId, groupId: expect.stringMatching(/^grp_/) });
    const metrics = await (await fetch(`${connector.baseUrl}/metrics`)).text();
    expect(metrics).toContain('connector_code_exchanges_total{outcome="success"} 1\n');
  });
});
