import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { requestJson } from '../helpers/http.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { signInNewMember } from '../helpers/members.ts';

// The browser helper (/sdk/authorization.js, docs/api/browser-helper.md) in Chromium, on pages of
// other loopback origins: one the group trusts, one it does not.
describe('the browser helper /sdk/authorization.js', () => {
  let connector: TestConnector;
  let browser: Browser;
  const sites: Server[] = [];
  let trustedOrigin: string;
  let strangerOrigin: string;

  /** A partner's site: one page that loads the helper from the connector as a module. */
  async function startSite(): Promise<string> {
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><title>partner</title>
<script type="module">
  import * as Authorization from '${connector.baseUrl}/sdk/authorization.js';
  window.Authorization = Authorization;
  document.title = 'ready';
</script>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    sites.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    const adminToken = await connector.adminToken();
    rememberSecret(adminToken, ADMIN.password);
    trustedOrigin = await startSite();
    strangerOrigin = await startSite();
    const trusted = await requestJson('PUT', `${connector.baseUrl}/v1/groups/${ADMIN.group}/origins`, {
      token: adminToken,
      body: JSON.stringify({ origins: [trustedOrigin] }),
    });
    expect(trusted.status).toBe(200);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    for (const site of sites) site.close();
    await connector?.close();
  });

  /** A fresh page (its own localStorage) of `origin` with the helper loaded, counting token requests. */
  async function openPage(origin: string): Promise<{ page: Page; tokenRequests: () => number }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    let count = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url() === `${connector.baseUrl}/v1/auth/token`) count++;
    });
    await page.goto(`${origin}/`);
    await page.waitForFunction("document.title === 'ready'");
    return { page, tokenRequests: () => count };
  }

  type Outcome = { token: string | null; success: unknown; fail: string | null };

  /** Calls authorize() in the page and reports what it resolved with and which callback ran. */
  function authorize(page: Page, options: Record<string, unknown>): Promise<Outcome> {
    return page.evaluate(async (opts) => {
      const outcome: { token: string | null; success: unknown; fail: string | null } = {
        token: null,
        success: null,
        fail: null,
      };
      const A = (globalThis as unknown as { Authorization: Record<string, (...args: unknown[]) => unknown> })
        .Authorization;
      outcome.token = (await A.authorize?.({
        ...opts,
        onsuccess: (_token: string, answer: unknown) => {
          outcome.success = answer;
        },
        onfail: (reason: string) => {
          outcome.fail = reason;
        },
      })) as string | null;
      return outcome;
    }, options);
  }

  const call = (page: Page, fn: 'getToken' | 'clearToken' | 'setToken', arg?: string) =>
    page.evaluate(
      ([name, value]) =>
        (globalThis as unknown as { Authorization: Record<string, (v?: string) => unknown> }).Authorization[name]?.(
          value,
        ) as string | null,
      [fn, arg] as const,
    );

  it('is public to any origin and names no credentials', async () => {
    const res = await fetch(`${connector.baseUrl}/sdk/authorization.js`, { headers: { origin: strangerOrigin } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('content-type')).toMatch(/javascript/);
  });

  it('authorizes once, answers from the cache until the token expires, and forgets it on clearToken', async () => {
    const { page, tokenRequests } = await openPage(trustedOrigin);
    const credentials = { username: ADMIN.username, password: ADMIN.password };
    const first = await authorize(page, { group: ADMIN.group, credentials, duration: 30 });
    expect(first.fail).toBeNull();
    expect(first.token).toMatch(/^eyJ/);
    rememberSecret(String(first.token));
    expect(first.success).toMatchObject({ group: ADMIN.group, role: 'admin' });
    expect(tokenRequests()).toBe(1);
    // The token works on the API from this origin.
    const me = await page.evaluate(
      async ([url, token]) => (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status,
      [`${connector.baseUrl}/v1/auth/me`, String(first.token)] as const,
    );
    expect(me).toBe(200);

    // A cache hit: the same token, no request.
    const second = await authorize(page, { group: ADMIN.group, credentials, duration: 30 });
    expect(second).toMatchObject({ token: first.token, fail: null, success: { cached: true } });
    expect(tokenRequests()).toBe(1);
    expect(await call(page, 'getToken')).toBe(first.token);

    // Expired in storage (as 30 minutes later): getToken has nothing, authorize asks again.
    await page.evaluate(`(() => {
      const key = Object.keys(localStorage).find((k) => k.startsWith('connector-authorization:'));
      const entry = JSON.parse(localStorage.getItem(key));
      localStorage.setItem(key, JSON.stringify({ ...entry, expiresAt: Date.now() - 1 }));
    })()`);
    expect(await call(page, 'getToken')).toBeNull();
    const third = await authorize(page, { group: ADMIN.group, credentials, duration: 30 });
    expect(third.token).toMatch(/^eyJ/);
    rememberSecret(String(third.token));
    expect(tokenRequests()).toBe(2);

    await call(page, 'clearToken');
    expect(await call(page, 'getToken')).toBeNull();
    // setToken caches a token obtained elsewhere, until its own expiry.
    await call(page, 'setToken', String(first.token));
    expect(await call(page, 'getToken')).toBe(first.token);
    await page.context().close();
  });

  it('reports invalid_credentials, bad_request and locked from a trusted page', async () => {
    const { page } = await openPage(trustedOrigin);
    const wrong = await authorize(page, {
      group: ADMIN.group,
      credentials: { username: ADMIN.username, password: 'not-the-password' },
    });
    expect(wrong).toMatchObject({ token: null, fail: 'invalid_credentials' });
    const malformed = await authorize(page, { group: ADMIN.group, credentials: { username: 5, password: 'x' } });
    expect(malformed.fail).toBe('bad_request');

    // Five wrong passwords for one member, then the limiter refuses (429): locked.
    const member = await signInNewMember(connector, 'viewer');
    const reasons: (string | null)[] = [];
    for (let i = 0; i < 6; i++) {
      const outcome = await authorize(page, {
        group: ADMIN.group,
        credentials: { username: member.username, password: `wrong-${i}` },
      });
      reasons.push(outcome.fail);
    }
    expect(reasons.slice(0, 5)).toEqual(Array(5).fill('invalid_credentials'));
    expect(reasons[5]).toBe('locked');
    await page.context().close();
  });

  it('reports forbidden_origin on a page the group does not trust, and network when the connector is unreachable', async () => {
    const stranger = await openPage(strangerOrigin);
    const refused = await authorize(stranger.page, {
      group: ADMIN.group,
      credentials: { username: ADMIN.username, password: ADMIN.password },
    });
    expect(refused).toMatchObject({ token: null, fail: 'forbidden_origin' });
    await stranger.page.context().close();

    const { page } = await openPage(trustedOrigin);
    // The helper is loaded; from now on nothing reaches the connector.
    await page.route(`${connector.baseUrl}/**`, (route) => route.abort('internetdisconnected'));
    const offline = await authorize(page, {
      group: ADMIN.group,
      credentials: { username: ADMIN.username, password: ADMIN.password },
    });
    expect(offline).toMatchObject({ token: null, fail: 'network' });
    await page.context().close();
  });
});
