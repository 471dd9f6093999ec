import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../apps/server.ts';
import { type AxeViolation, axeViolations, describeViolations } from '../helpers/axe.ts';
import { collectPageErrors, launchChromium } from '../helpers/browser.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { consentAtProvider, signInOnPage } from '../helpers/console-pages.ts';
import { authorizeWithProvider, postEngagement, providerHonours, waitFor } from '../helpers/deliveries.ts';
import { api, configureOAuth, createExport } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { signInNewMember } from '../helpers/members.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { type AppRoute, fillPath, listRoutes, pathParams } from '../helpers/route-inventory.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

/** Where the connector renders pages of its own (everything else it serves is JSON, redirects or files). */
const PAGE_PREFIXES = ['/console', '/docs', '/oauth/callback', '/sso'];

/** GET routes under those prefixes that are not pages, and why (files, named `….css`, `….js`, are not pages either). */
const NOT_PAGES: Record<string, string> = {
  'GET /oauth/callback/result': 'the JSON the callback page polls',
};
const isFile = (route: AppRoute) => /\.[a-z0-9]+$/i.test(route.path);

const MOBILE = { width: 390, height: 844 };

/**
 * Run in the page (a string: this project's TypeScript has no DOM types): '' when nothing scrolls
 * sideways, else the widths and the first elements reaching past the right edge.
 */
const OVERFLOW_PROBE = `(() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return '';
  const wide = [...document.querySelectorAll('body *')]
    .filter((node) => node.getBoundingClientRect().right > root.clientWidth + 1)
    .slice(0, 5)
    .map((node) => node.tagName.toLowerCase() + (node.id ? '#' + node.id : '') +
      (typeof node.className === 'string' && node.className ? '.' + node.className.trim().split(/\\s+/).join('.') : ''));
  return 'scrollWidth ' + root.scrollWidth + ' > clientWidth ' + root.clientWidth + '; widest: ' + wide.join(', ');
})()`;
const DESKTOP = { width: 1280, height: 900 };

/** What one visited page got wrong. */
interface PageProblems {
  landedOn: string;
  violations?: string;
  errors?: string[];
  overflow?: string;
}

/**
 * Every page the connector renders itself, found from its routes (test/helpers/route-inventory.ts),
 * so a page added later is swept without touching this file, or fails here until its path
 * parameters can be filled. Chromium visits each against a connector holding one of everything
 * (an authorized export with a failed delivery, members, an API key, a partner, an app, SSO,
 * origins, notifications), signed in as the admin (the sign-in and set-password pages also signed
 * out): no axe-core violations (WCAG 2.1 A/AA and best practices), no errors in the browser
 * console, and no horizontal scrolling at 390 px wide.
 */
describe('every console, docs and browser page: accessible, error-free, usable at 390 px', () => {
  let connector: TestConnector;
  let provider: TestOidcProvider;
  let receiver: WebhookReceiver;
  let appSite: Server;
  let browser: Browser;
  let admin: string;
  const fixtures = {
    exportId: '',
    callbackExportId: '',
    deliveryId: '',
    setPasswordUrl: '',
    appClientId: '',
    appRedirectUri: '',
  };

  beforeAll(async () => {
    connector = await startConnector();
    const redirectUri = connector.deps.config.redirectUri;
    provider = await startOidcProvider({ redirectUri });
    rememberSecret(provider.clientSecret, ADMIN.password);
    admin = await connector.adminToken();
    rememberSecret(admin);
    const signingSecrets: string[] = [];
    // The CRM refuses every engagement with a 400 the export calls permanent: a failed delivery at once.
    receiver = await startWebhookReceiver({
      secrets: () => signingSecrets,
      acceptToken: providerHonours(provider),
      respond: () => ({ status: 400, body: '{"error":"missing field Subject"}' }),
    });
    appSite = createServer((_req, res) => res.end('back at the app'));
    await new Promise<void>((resolve) => appSite.listen(0, '127.0.0.1', resolve));
    fixtures.appRedirectUri = `http://127.0.0.1:${(appSite.address() as AddressInfo).port}/callback`;

    const exported = await createExport(connector, admin, {
      name: 'Salesforce production',
      webhookUrl: receiver.url,
      permanentStatuses: [400],
    });
    signingSecrets.push(exported.signingSecret);
    fixtures.exportId = exported.id;
    await authorizeWithProvider(connector, admin, exported.id, provider);
    const posted = await postEngagement(connector, admin, {
      id: `eng-${randomBytes(4).toString('hex')}`,
      topic: 'a11y',
    });
    fixtures.deliveryId = posted.deliveries.find((d) => d.exportId === exported.id)?.id ?? '';
    await waitFor(
      () => connector.deps.db.delivery.findUnique({ where: { id: fixtures.deliveryId } }),
      (row) => row?.status === 'failed',
      'the fixture delivery to fail',
    );
    // Configured, not authorized: the callback page is reached through it.
    fixtures.callbackExportId = (await createExport(connector, admin, { name: 'HubSpot sandbox' })).id;
    await configureOAuth(connector, admin, fixtures.callbackExportId, provider.oauthConfig());

    await signInNewMember(connector, 'viewer', { adminToken: admin });
    const invited = await api(connector, 'POST', `/groups/${ADMIN.group}/members`, admin, {
      username: `invited-${randomBytes(3).toString('hex')}`,
      role: 'manager',
    });
    expect(invited.status, invited.text).toBe(201);
    fixtures.setPasswordUrl = String(invited.body.setPasswordUrl);
    rememberSecret(new URL(fixtures.setPasswordUrl).hash.slice(1));
    await must('POST', '/api-keys', { name: 'Reporting server', privileges: ['exports:read'] }, ['secret']);
    await must('POST', '/partners', { name: 'Contact-center partner' }, ['secret']);
    const app = await must(
      'POST',
      '/apps',
      { name: 'Partner dashboard', redirectUris: [fixtures.appRedirectUri], privileges: ['exports:read'] },
      ['clientSecret'],
    );
    fixtures.appClientId = String(app.clientId);
    const ssoSecret = `sso-${randomBytes(12).toString('base64url')}`;
    rememberSecret(ssoSecret);
    await must('PUT', `/groups/${ADMIN.group}/sso`, {
      issuer: provider.issuer,
      clientId: 'connector-sso',
      clientSecret: ssoSecret,
    });
    await must('PUT', `/groups/${ADMIN.group}/origins`, { origins: ['https://console.example.com'] });
    await must(
      'PUT',
      `/groups/${ADMIN.group}/notifications`,
      { webhookUrl: 'https://alerts.example.com/hooks', emails: ['ops@example.com'] },
      ['signingSecret'],
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    appSite?.close();
    await receiver?.close();
    await provider?.close();
    await connector?.close();
  });

  /** An API call that must succeed while setting up; the named fields of its answer are secrets. */
  async function must(method: string, path: string, body: unknown, secrets: string[] = []) {
    const answer = await api(connector, method, path, admin, body);
    if (answer.status >= 300)
      throw new Error(`${method} ${path} failed while setting up: ${answer.status} ${answer.text}`);
    for (const field of secrets) rememberSecret(answer.body?.[field]);
    return answer.body as Record<string, unknown>;
  }

  /** The page routes, each with how to reach it; a page route the sweep cannot reach fails the test. */
  function pageVisits(routes: AppRoute[]): { route: AppRoute; visit: (page: Page) => Promise<void> }[] {
    const base = connector.baseUrl;
    const params: Record<string, Record<string, string>> = {
      '/console/exports/:id': { id: fixtures.exportId },
      '/console/deliveries/:id': { id: fixtures.deliveryId },
      '/docs/errors/:code': { code: 'OAUTH_NOT_CONFIGURED' },
    };
    const special: Record<string, (page: Page) => Promise<void>> = {
      'GET /console/set-password': (page) => open(page, fixtures.setPasswordUrl),
      'GET /console/authorize/:uid': (page) => openConsent(page),
      'GET /oauth/callback': (page) => finishAuthorizationInThisTab(page),
    };
    const pages = routes.filter(
      (r) => r.method === 'GET' && PAGE_PREFIXES.some((p) => r.path === p || r.path.startsWith(`${p}/`)),
    );
    return pages
      .filter((route) => !NOT_PAGES[route.key] && !isFile(route))
      .map((route) => {
        const visit = special[route.key];
        if (visit) return { route, visit };
        const missing = pathParams(route.path).filter((name) => params[route.path]?.[name] === undefined);
        if (missing.length) {
          throw new Error(
            `The sweep cannot fill :${missing.join(', :')} of ${route.key}: add a fixture for it to this test's \`params\` (or a special visit)`,
          );
        }
        return { route, visit: (page: Page) => open(page, `${base}${fillPath(route, params[route.path] ?? {})}`) };
      });
  }

  async function open(page: Page, url: string): Promise<void> {
    const answer = await page.goto(url);
    const type = answer?.headers()['content-type'] ?? '';
    if (!type.startsWith('text/html')) {
      throw new Error(`${url} answered ${answer?.status()} ${type}, not a page: list its route in NOT_PAGES`);
    }
    // The shells fill themselves through the JSON API: judged once nothing is loading any more.
    await page.waitForLoadState('networkidle');
  }

  /** A third-party app's authorization request (RFC 6749 §4.1.1 with PKCE) lands on the consent page. */
  async function openConsent(page: Page): Promise<void> {
    const url = new URL(`${connector.baseUrl}/oauth2/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: fixtures.appClientId,
      redirect_uri: fixtures.appRedirectUri,
      scope: 'exports:read',
      state: oauth.randomState(),
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    }).toString();
    await page.goto(url.href);
    await page.waitForURL('**/console/authorize/**');
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    await page.waitForLoadState('networkidle');
  }

  /**
   * "Authorize Export" in the console's own tab (a typed URL, as when popups are blocked): the CRM's
   * sign-in and consent, then the callback page, judged once it shows the final result. It then
   * goes back to the export by itself; that navigation is answered 204 No Content, which leaves
   * the callback page in place (HTML's navigation rules), so it is judged as the manager saw it.
   */
  async function finishAuthorizationInThisTab(page: Page): Promise<void> {
    const exportPage = `${connector.baseUrl}/console/exports/${fixtures.callbackExportId}`;
    await page.route(exportPage, (route) => route.fulfill({ status: 204 }));
    await page.goto(`${connector.baseUrl}/v1/exports/${fixtures.callbackExportId}/oauth/authorize`);
    await consentAtProvider(page);
    await page.locator('#oauth-result[data-status="authorized"]').waitFor();
    await page.locator('#returning').waitFor();
  }

  /** Axe, the browser console and the 390 px width for the page as it is now. */
  async function judge(page: Page, errors: string[]): Promise<PageProblems> {
    const problems: PageProblems = { landedOn: new URL(page.url()).pathname };
    const violations: AxeViolation[] = await axeViolations(page);
    if (violations.length) problems.violations = describeViolations(violations);
    if (errors.length) problems.errors = [...errors];
    await page.setViewportSize(MOBILE);
    const overflow = await page.evaluate<string>(OVERFLOW_PROBE);
    if (overflow) problems.overflow = overflow;
    await page.setViewportSize(DESKTOP);
    return problems;
  }

  /** Visits and judges one page in a tab of its own. */
  async function sweep(context: BrowserContext, visit: (page: Page) => Promise<void>): Promise<PageProblems> {
    const page = await context.newPage();
    const errors = collectPageErrors(page, connector.baseUrl);
    try {
      await visit(page);
      return await judge(page, errors);
    } finally {
      await page.close();
    }
  }

  const clean = (problems: PageProblems) => !problems.violations && !problems.errors?.length && !problems.overflow;

  it('every page the connector renders, signed in as an admin, and the sign-in pages signed out', async () => {
    const visits = pageVisits(listRoutes(createApp(connector.deps)));
    // The sweep is only as good as its inventory: these must be in it.
    expect(visits.map((v) => v.route.key)).toEqual(
      expect.arrayContaining([
        'GET /console/sign-in',
        'GET /console/exports',
        'GET /console/exports/:id',
        'GET /console/deliveries/:id',
        'GET /docs/errors/:code',
        'GET /oauth/callback',
        'GET /sso/start',
      ]),
    );
    const report: Record<string, PageProblems> = {};

    const signedOut = await browser.newContext({ viewport: DESKTOP });
    try {
      for (const [name, path] of [
        ['signed out: GET /console/sign-in', '/console/sign-in'],
        ['signed out: GET /console/set-password', null],
      ] as const) {
        const problems = await sweep(signedOut, (page) =>
          open(page, path ? `${connector.baseUrl}${path}` : fixtures.setPasswordUrl),
        );
        if (!clean(problems)) report[name] = problems;
      }
    } finally {
      await signedOut.close();
    }

    const signedIn = await browser.newContext({ viewport: DESKTOP });
    try {
      const first = await signedIn.newPage();
      await first.goto(`${connector.baseUrl}/console/sign-in`);
      await signInOnPage(first, ADMIN);
      await first.waitForURL((url) => !url.pathname.startsWith('/console/sign-in'));
      await first.close();
      for (const { route, visit } of visits) {
        const problems = await sweep(signedIn, visit);
        if (!clean(problems)) report[route.key] = problems;
      }
      // Not a route of its own: what every unknown console address answers.
      const missing = await sweep(signedIn, (page) => open(page, `${connector.baseUrl}/console/no-such-page`));
      if (!clean(missing)) report['not found: GET /console/no-such-page'] = missing;
    } finally {
      await signedIn.close();
    }
    expect(report, JSON.stringify(report, null, 2)).toEqual({});
  }, 300_000);
});
