import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.ts';
import { collectPageErrors, launchChromium } from '../helpers/browser.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { signInOnPage } from '../helpers/console-pages.ts';
import { api } from '../helpers/http.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken, type SignedInMember, signInNewMember } from '../helpers/members.ts';
import { type NotificationReceiver, startNotificationReceiver } from '../helpers/notification-receiver.ts';
import { waitUntil } from '../helpers/wait.ts';
import { startIdentityProvider, type TestIdentityProvider } from '../helpers/oidc-identity-provider.ts';

// The Settings pages Single sign-on, Notifications, Apps and Audit log
// (docs/console-admin-integrations.md), in Debian's Chromium against the whole connector: what the
// pages show is checked against what the API and the outside world (a notification receiver, an
// identity provider, a third-party app's tokens) see.
describe('the console: Settings for single sign-on, notifications, apps and the audit log', () => {
  let connector: TestConnector;
  let browser: Browser;
  let adminToken: string;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let receiver: NotificationReceiver;
  let idp: TestIdentityProvider;
  let site: Server;
  let redirectUri: string;
  let viewer: SignedInMember;
  /** The notification signing secret as the page showed it. */
  let shownSecret: string | undefined;

  const PAGES = ['sso', 'notifications', 'apps', 'audit'] as const;

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    adminToken = await connector.adminToken();
    rememberSecret(adminToken);
    viewer = await signInNewMember(connector, 'viewer', { adminToken });
    receiver = await startNotificationReceiver({ secret: () => shownSecret });
    idp = await startIdentityProvider({ connectorRedirectUri: `${connector.baseUrl}/sso/callback` });
    // A third-party app's redirect URI: a loopback page that only says the browser arrived.
    site = createServer((_req, res) => res.end('back at the app'));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(site.address() as AddressInfo).port}/callback`;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    page = await context.newPage();
    errors = collectPageErrors(page, connector.baseUrl);
    await page.goto(`${connector.baseUrl}/console/admin/audit`);
    await signInOnPage(page, ADMIN);
    await page.waitForURL('**/console/admin/audit');
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    site?.close();
    await idp?.close();
    await receiver?.close();
    await connector?.close();
  });

  /** How far the page is wider than the window (0 or less: no sideways scrolling). */
  const sidewaysOverflow = (target: Page) =>
    target.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');

  /** Opens a Settings page and waits until its script has filled it. */
  async function open(target: Page, path: string): Promise<void> {
    await target.goto(`${connector.baseUrl}/console/admin/${path}`);
    await target.locator('body[data-ready]').waitFor();
  }

  async function confirmInDialog(button: string): Promise<string> {
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const text = (await dialog.textContent()) ?? '';
    await dialog.getByRole('button', { name: button, exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    return text;
  }

  async function registerApp(name: string, privileges: string[]) {
    const created = await api(connector, 'POST', '/apps', adminToken, {
      name,
      redirectUris: [redirectUri],
      privileges,
    });
    expect(created.status, created.text).toBe(201);
    rememberSecret(created.body.clientSecret);
    return created.body as { id: string; clientId: string; clientSecret: string };
  }

  /**
   * The real authorization-code flow with PKCE (docs/api/third-party-apps.md) for an app, in the
   * admin's browser: signed in to the console already, the member only sees the consent page and
   * presses "Allow"; the app then exchanges the code for its tokens.
   */
  async function authorizeApp(app: { clientId: string; clientSecret: string }, scope: string) {
    const config = await oauth.discovery(
      new URL(connector.baseUrl),
      app.clientId,
      undefined,
      oauth.ClientSecretBasic(app.clientSecret),
      { algorithm: 'oauth2', execute: [oauth.allowInsecureRequests] },
    );
    const verifier = oauth.randomPKCECodeVerifier();
    const state = oauth.randomState();
    const url = oauth.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    await page.goto(url.href);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(`${redirectUri}?**`);
    const tokens = await oauth.authorizationCodeGrant(config, new URL(page.url()), {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    rememberSecret(tokens.access_token, tokens.refresh_token);
    return { config, tokens };
  }

  /** Signs the viewer in once more, signs that token out, and uses it `times` times: each use is refused and audited. */
  async function useRevokedToken(times: number): Promise<void> {
    const signed = await requestToken(connector, {
      username: viewer.username,
      password: viewer.password,
      group: ADMIN.group,
    });
    const token = String(signed.body.token);
    expect((await api(connector, 'POST', '/auth/logout', token)).status).toBeLessThan(300);
    for (let i = 0; i < times; i++) expect((await api(connector, 'GET', '/exports', token)).status).toBe(401);
  }

  it('saves notifications: the signing secret shown once signs the test notification the receiver verifies', async () => {
    await open(page, 'notifications');
    await page.getByLabel('Webhook URL').fill(receiver.url);
    await page.getByLabel('Email addresses').fill('ops@example.com\nOps@example.com, oncall@example.com');
    await page.getByRole('button', { name: 'Save notifications' }).click();
    const secretField = page.getByLabel('Webhook signing secret');
    shownSecret = await secretField.inputValue();
    rememberSecret(shownSecret);
    expect(shownSecret).toMatch(/^whsec_/);
    await expect(page.getByText('it is shown only this once').isVisible()).resolves.toBe(true);

    // The API has the setting, never the secret; the same addresses each once.
    const setting = await api(connector, 'GET', `/groups/${ADMIN.group}/notifications`, adminToken);
    expect(setting.body).toMatchObject({ webhookUrl: receiver.url, emails: ['ops@example.com', 'oncall@example.com'] });
    expect(setting.text).not.toContain(shownSecret);

    // "Send test notification": the receiver verifies it with the secret the page showed.
    await page.getByRole('button', { name: 'Send test notification' }).click();
    await page.locator('#test-result li[data-channel="webhook"]').getByText('Sent').waitFor();
    expect(receiver.accepted('notification.test')).toHaveLength(1);
    expect(receiver.refused).toEqual([]);

    // Reloaded: the URL and addresses are there, the secret is gone for good; saving the same URL keeps it.
    await open(page, 'notifications');
    await expect(page.getByLabel('Webhook URL').inputValue()).resolves.toBe(receiver.url);
    await expect(page.getByLabel('Email addresses').inputValue()).resolves.toBe('ops@example.com\noncall@example.com');
    await expect(secretField.count()).resolves.toBe(0);
    expect(await page.content()).not.toContain(shownSecret);
    await page.getByRole('button', { name: 'Save notifications' }).click();
    await page.getByRole('status').getByText('Saved').waitFor();
    await expect(secretField.count()).resolves.toBe(0);

    // A bad address is named beside its field.
    await page.getByLabel('Email addresses').fill('not an address');
    await page.getByRole('button', { name: 'Save notifications' }).click();
    await page.locator('#emails-error').waitFor();
    await expect(page.getByLabel('Email addresses').getAttribute('aria-invalid')).resolves.toBe('true');

    // Every event type is listed, one line each.
    for (const type of ['export.reauthorization_required', 'export.failing', 'export.disabled', 'export.recovered']) {
      await expect(page.getByRole('listitem').filter({ hasText: type }).count()).resolves.toBe(1);
    }
    expect(errors.join('\n')).toBe('');
  });

  /** Waits until the audit table shows rows, each of an action starting with `prefix` (the filter applied). */
  async function onlyRowsOf(prefix: string): Promise<void> {
    const rows = page.locator('#audit-body tr');
    await waitUntil(
      async () => {
        const actions = await rows.evaluateAll((all) => all.map((r) => r.getAttribute('data-action') ?? ''));
        return actions.length > 0 && actions.every((action) => action.startsWith(prefix));
      },
      { what: `the audit table to show only ${prefix} rows`, timeoutMs: 10_000 },
    );
  }

  it('reads the audit log: something done through the API shows up, filtered by action and by outcome', async () => {
    const app = await registerApp('Audited dashboard', ['exports:read']);
    await useRevokedToken(1);
    await open(page, 'audit');
    await page.getByLabel('Action').fill('app.create');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await onlyRowsOf('app.create');
    const row = page.locator('#audit-body tr[data-action="app.create"]');
    const cells = await row.first().locator('td').allTextContents();
    const [time, actor, action, target, outcome, ip] = cells;
    expect(time).toMatch(/\d{1,2}:\d{2}:\d{2}/); // to the second
    expect(actor).toBe(`${ADMIN.username} (you)`);
    expect(action).toBe('app.create');
    expect(target).toContain(app.id);
    expect(outcome).toContain('Success');
    expect(ip).toMatch(/127\.0\.0\.1/);
    // The filter is in the address: a reload keeps it.
    expect(new URL(page.url()).searchParams.get('action')).toBe('app.create');

    await page.getByLabel('Action').fill('auth.');
    await page.getByLabel('Outcome').selectOption('refused');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await onlyRowsOf('auth.');
    const outcomes = await page.locator('#audit-body td[data-label="Outcome"]').allTextContents();
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.every((o) => o.includes('Refused'))).toBe(true);

    // By actor: only the admin's own rows; a window that starts tomorrow: none.
    await page.getByLabel('Action').fill('');
    await page.getByLabel('Outcome').selectOption('');
    await page.getByLabel('Actor').selectOption({ label: ADMIN.username });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await waitUntil(async () => new URL(page.url()).searchParams.has('actorId'), { what: 'the actor filter applied' });
    await page.locator('#audit-body tr').first().waitFor();
    const actors = await page.locator('#audit-body td[data-label="Actor"]').allTextContents();
    expect(actors.length).toBeGreaterThan(0);
    expect(new Set(actors)).toEqual(new Set([`${ADMIN.username} (you)`]));
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
    const local = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}T00:00:00`;
    await page.getByLabel('From').fill(local);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No events match these filters.').waitFor();

    // "Clear" shows every event again.
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.locator('#audit-body tr[data-action="app.create"]').first().waitFor();
    expect(new URL(page.url()).search).toBe('');

    // An action the API cannot take is named beside the field.
    await page.getByLabel('Action').fill('Not An Action!');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.locator('#action-error').waitFor();
    expect(errors.join('\n')).toBe('');
  });

  it('pages through the audit log by cursor with "Show older"', async () => {
    // More than one page (50 rows) of one action: uses of a revoked token, each refused.
    await useRevokedToken(55);
    const listed = await api(connector, 'GET', '/audit?action=auth.token.use&outcome=refused&limit=100', adminToken);
    const total = listed.body.items.length;
    expect(total).toBeGreaterThan(50);
    await page.goto(`${connector.baseUrl}/console/admin/audit?action=auth.token.use&outcome=refused`);
    await page.locator('body[data-ready]').waitFor();
    await expect(page.locator('#audit-body tr').count()).resolves.toBe(50);
    await page.getByRole('button', { name: 'Show older' }).click();
    await waitUntil(async () => (await page.locator('#audit-body tr').count()) === total, {
      what: 'the older rows to be added below',
      timeoutMs: 10_000,
    });
    const ids = await page
      .locator('#audit-body tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-audit-id')));
    expect(new Set(ids).size).toBe(total);
    expect(errors.join('\n')).toBe('');
  });

  it('registers an app (client secret once) and deletes it after a confirmation saying every token stops', async () => {
    await open(page, 'apps');
    await page.getByLabel('App name').fill('Reporting tool');
    await page.getByLabel('Redirect URIs').fill(redirectUri);
    await page.getByLabel('See your group’s exports and their settings').check();
    await page.getByRole('button', { name: 'Register app' }).click();
    const secret = await page.getByLabel('Client secret').inputValue();
    rememberSecret(secret);
    const clientId = await page.getByLabel('Client ID').inputValue();
    expect(secret).toMatch(/^cs_/);
    const row = page.locator('#apps-body tr').filter({ hasText: clientId });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('exports:read');
    await expect(row.textContent()).resolves.toContain(redirectUri);

    await open(page, 'apps');
    expect(await page.content()).not.toContain(secret);
    await row.getByRole('button', { name: 'Delete Reporting tool' }).click();
    const said = await confirmInDialog('Delete app');
    expect(said).toContain('Every token of Reporting tool stops working');
    await row.waitFor({ state: 'detached' });
    const listed = await api(connector, 'GET', '/apps', adminToken);
    expect(listed.body.items.map((a: { clientId: string }) => a.clientId)).not.toContain(clientId);

    // A redirect URI the API refuses is named beside its field.
    await page.getByLabel('App name').fill('Broken');
    await page.getByLabel('Redirect URIs').fill('http://example.com/callback');
    await page.getByLabel('See your group’s exports and their settings').check();
    await page.getByRole('button', { name: 'Register app' }).click();
    await page.locator('#redirectUris-error').waitFor();
    expect(errors.join('\n')).toBe('');
  });

  it('withdraws an app the member authorized: its access and refresh tokens stop working', async () => {
    const app = await registerApp('Partner dashboard', ['exports:read', 'deliveries:read']);
    const { config, tokens } = await authorizeApp(app, 'exports:read');
    expect((await api(connector, 'GET', '/exports', tokens.access_token)).status).toBe(200);

    await open(page, 'apps');
    const row = page.locator('#authorized-body tr').filter({ hasText: 'Partner dashboard' });
    // What the member allowed (the scope asked for), not all the app may ask for.
    await expect(row.textContent()).resolves.toContain('exports:read');
    await expect(row.textContent()).resolves.not.toContain('deliveries:read');
    await row.getByRole('button', { name: 'Withdraw Partner dashboard' }).click();
    await confirmInDialog('Withdraw');
    await row.waitFor({ state: 'detached' });
    await page.getByText('You have not authorized any app.').waitFor();

    expect((await api(connector, 'GET', '/exports', tokens.access_token)).status).toBe(401);
    await expect(oauth.refreshTokenGrant(config, String(tokens.refresh_token))).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect(errors.join('\n')).toBe('');
  });

  it('saves single sign-on after the provider’s discovery (the secret only ever “set”), shows a failed discovery beside the issuer, removes it', async () => {
    await open(page, 'sso');
    await expect(page.getByLabel('Redirect URI to register at the provider').inputValue()).resolves.toBe(
      `${connector.baseUrl}/sso/callback`,
    );
    // Nothing answers discovery there: its detail is shown beside the issuer.
    const closed = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const nowhere = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await page.getByLabel('Issuer URL').fill(nowhere);
    await page.getByLabel('Client ID').fill(idp.connectorClient.clientId);
    await page.getByLabel('Client secret').fill(idp.connectorClient.clientSecret);
    await page.getByRole('button', { name: 'Save single sign-on' }).click();
    await page.locator('#issuer-error').waitFor();
    closed.close();
    await expect(page.getByLabel('Issuer URL').getAttribute('aria-invalid')).resolves.toBe('true');

    await page.getByLabel('Issuer URL').fill(idp.issuer);
    await page.getByLabel('Default role').selectOption('manager');
    await page.getByRole('button', { name: 'Save single sign-on' }).click();
    await page.locator('#secret-state[data-status="enabled"]').waitFor();
    const saved = await api(connector, 'GET', `/groups/${ADMIN.group}/sso`, adminToken);
    expect(saved.body).toMatchObject({
      issuer: idp.issuer,
      clientId: idp.connectorClient.clientId,
      defaultRole: 'manager',
    });

    // Reloaded: the secret is "Set", its value nowhere; saving without typing it keeps it.
    await open(page, 'sso');
    await expect(page.locator('#secret-state').textContent()).resolves.toBe('Set');
    await expect(page.getByLabel('Client secret').inputValue()).resolves.toBe('');
    expect(await page.content()).not.toContain(idp.connectorClient.clientSecret);
    await page.getByLabel('Default role').selectOption('viewer');
    await page.getByRole('button', { name: 'Save single sign-on' }).click();
    await page.locator('#sso-saved').getByText('Saved').waitFor();
    expect((await api(connector, 'GET', `/groups/${ADMIN.group}/sso`, adminToken)).body.defaultRole).toBe('viewer');

    await page.getByRole('button', { name: 'Remove single sign-on' }).click();
    await confirmInDialog('Remove single sign-on');
    await page.locator('#secret-state[data-status="not_configured"]').waitFor();
    expect((await api(connector, 'GET', `/groups/${ADMIN.group}/sso`, adminToken)).status).toBe(404);
    expect(errors.join('\n')).toBe('');
  });

  it('has no axe-core violations and no horizontal scroll at 390 px on the four pages', async () => {
    // Every section filled: an app of the group, and one the admin authorized.
    await authorizeApp(await registerApp('Listed app', ['exports:read']), 'exports:read');
    for (const width of [1360, 390]) {
      await page.setViewportSize({ width, height: 860 });
      for (const path of PAGES) {
        await open(page, path);
        const violations = await axeViolations(page);
        expect(violations, `${path} at ${width}px:\n${describeViolations(violations)}`).toEqual([]);
        const overflow = await sidewaysOverflow(page);
        expect(overflow, `${path} at ${width}px scrolls sideways`).toBeLessThanOrEqual(0);
      }
    }
    await page.setViewportSize({ width: 1360, height: 900 });
    expect(errors.join('\n')).toBe('');
  });

  it('a viewer sees why each page is read-only, or that the API does not let them read it, without errors', async () => {
    const viewerContext = await browser.newContext({ viewport: { width: 390, height: 860 } });
    const viewerPage = await viewerContext.newPage();
    const viewerErrors = collectPageErrors(viewerPage, connector.baseUrl);
    await viewerPage.goto(`${connector.baseUrl}/console/admin/notifications`);
    await signInOnPage(viewerPage, viewer);
    await viewerPage.waitForURL('**/console/admin/notifications');
    const reasons: Record<string, string> = {
      sso: 'Only admins can see or change single sign-on: you are a viewer.',
      notifications: 'Only admins can change notifications or send a test: you are a viewer.',
      apps: 'Only admins can see, register or delete your group’s apps: you are a viewer.',
      audit: 'Only admins can read the audit log: you are a viewer.',
    };
    for (const path of PAGES) {
      await open(viewerPage, path);
      await expect(viewerPage.locator('#read-only').textContent(), path).resolves.toBe(reasons[path]);
      const violations = await axeViolations(viewerPage);
      expect(violations, `${path} as a viewer:\n${describeViolations(violations)}`).toEqual([]);
      const overflow = await sidewaysOverflow(viewerPage);
      expect(overflow, `${path} as a viewer scrolls sideways`).toBeLessThanOrEqual(0);
    }
    // Notifications: readable, not changeable.
    await open(viewerPage, 'notifications');
    await expect(viewerPage.getByLabel('Webhook URL').inputValue()).resolves.toBe(receiver.url);
    await expect(viewerPage.getByLabel('Webhook URL').isDisabled()).resolves.toBe(true);
    await expect(viewerPage.getByRole('button', { name: 'Send test notification' }).isDisabled()).resolves.toBe(true);
    // Single sign-on and the audit log: the API refuses even reading, and the page says so.
    for (const path of ['sso', 'audit']) {
      await open(viewerPage, path);
      await expect(viewerPage.locator('#page-error').textContent(), path).resolves.toContain(
        'Your role does not let you see',
      );
    }
    // Apps: their own authorizations are theirs to see.
    await open(viewerPage, 'apps');
    await expect(viewerPage.getByText('You have not authorized any app.').isVisible()).resolves.toBe(true);
    await viewerContext.close();
    expect(viewerErrors.join('\n')).toBe('');
  });
});
