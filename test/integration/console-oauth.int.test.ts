import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, saveScreenshot } from '../helpers/browser.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import {
  consentAtProvider,
  createExportOnPage,
  pressAuthorizeExport,
  fillOAuthForm,
  oauthResult,
  signInOnPage,
} from '../helpers/console-pages.ts';
import { api } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';

// The managers' console in Debian's Chromium against the whole connector (API, callback page,
// token-exchange worker on a real Redis and database) and a real oidc-provider on loopback.
describe('the console: Configure OAuth and Authorize Export in a real browser', () => {
  let connector: TestConnector;
  let provider: TestOidcProvider;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    connector = await startConnector();
    provider = await startOidcProvider({ redirectUri: connector.deps.config.redirectUri });
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await provider?.close();
    await connector?.close();
  });

  async function signedInPage(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    const errors = collectPageErrors(page, connector.baseUrl);
    await page.goto(`${connector.baseUrl}/console/exports`);
    await signInOnPage(page, ADMIN);
    await page.waitForURL('**/console/exports');
    return { page, errors };
  }

  const providerForm = () => ({
    authorizationUrl: provider.authorizationUrl,
    tokenUrl: provider.tokenUrl,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    scopes: 'openid offline_access crm.write',
    issuer: provider.issuer,
  });

  it('signs in, creates an export, configures OAuth and shows "Authorized" after the popup consent', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    const errors = collectPageErrors(page, connector.baseUrl);

    // A page of the console without a session goes to sign-in, and back after it.
    await page.goto(`${connector.baseUrl}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await signInOnPage(page, ADMIN);
    await page.waitForURL('**/console/exports');
    await page.getByText('No exports yet').waitFor();
    expect(await page.locator('.account-group').textContent()).toBe('acme');

    await page.getByRole('link', { name: 'New export' }).first().click();
    await page.waitForURL('**/console/exports/new');
    const created = await createExportOnPage(page, connector.baseUrl, {
      name: 'Salesforce production',
      webhookUrl: 'http://127.0.0.1:9/hooks/engagements',
    });
    rememberSecret(created.signingSecret);
    expect(created.signingSecret).toMatch(/^whsec_/);
    expect(await page.locator('#export-name').textContent()).toBe('Salesforce production');

    // The API's field problems appear beside the field they name.
    await fillOAuthForm(page, { ...providerForm(), authorizationUrl: 'ftp://crm.example.com/authorize' });
    await page.getByRole('button', { name: 'Configure OAuth' }).click();
    const fieldError = page.locator('#authorizationUrl-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/http/i);
    expect(await page.getByLabel('Authorization URL').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Authorization URL').fill(provider.authorizationUrl);
    await page.getByRole('button', { name: 'Configure OAuth' }).click();
    await page.getByText('A client secret is set').waitFor();
    // Write-only: the secret is neither echoed into the field nor anywhere in the page.
    expect(await page.getByLabel('Client Secret').inputValue()).toBe('');
    expect(await page.content()).not.toContain(provider.clientSecret);

    const popup = await pressAuthorizeExport(page);
    // The callback page closes the popup itself once it has told the console.
    const closed = popup.waitForEvent('close');
    await consentAtProvider(popup);
    await closed;

    const authorized = oauthResult(page, 'authorized');
    await authorized.waitFor();
    const text = await authorized.textContent();
    expect(text).toContain('Authorized');
    expect(text).toContain('offline_access');
    expect(await page.locator('#oauth-badge').textContent()).toBe('Authorized');
    await saveScreenshot(page, 'console-export-authorized');

    // The list shows the export with its host and the OAuth badge.
    await page.getByRole('link', { name: 'Exports' }).first().click();
    const row = page.locator(`tr[data-export-id="${created.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('127.0.0.1:9');
    expect(await row.locator('[data-status="authorized"]').count()).toBe(1);
    await saveScreenshot(page, 'console-exports-list');
    expect(errors.join('\n')).toBe('');
  });

  it('shows the reason and what to do when the CRM user declines consent', async () => {
    const { page, errors } = await signedInPage();
    await createExportOnPage(page, connector.baseUrl, {
      name: 'Declined CRM',
      webhookUrl: 'http://127.0.0.1:9/hooks/declined',
    });
    await fillOAuthForm(page, providerForm());
    // "Authorize Export" saves unsaved settings first, then opens the popup.
    const popup = await pressAuthorizeExport(page);
    const closed = popup.waitForEvent('close');
    await consentAtProvider(popup, { deny: true });
    await closed;

    const failed = oauthResult(page, 'failed');
    await failed.waitFor();
    const text = await failed.textContent();
    expect(text).toContain('Authorization failed');
    expect(text).toContain('access_denied');
    expect(text).toContain('Authorize Export');
    await saveScreenshot(page, 'console-export-declined');
    expect(errors.join('\n')).toBe('');
  });

  it('runs the flow in the same tab when popups are blocked, and comes back to the export page', async () => {
    const { page, errors } = await signedInPage();
    const created = await createExportOnPage(page, connector.baseUrl, {
      name: 'No popups here',
      webhookUrl: 'http://127.0.0.1:9/hooks/same-tab',
    });
    await fillOAuthForm(page, providerForm());
    await page.getByRole('button', { name: 'Configure OAuth' }).click();
    await page.getByText('A client secret is set').waitFor();
    // What a popup blocker does: window.open answers null.
    await page.addInitScript('window.open = () => null;');
    // What the callback page showed at the moment it went away (same origin as the console, so
    // this tab's sessionStorage keeps it), however quickly that happened.
    await page.addInitScript(`if (location.pathname === '/oauth/callback') addEventListener('pagehide', () => {
      sessionStorage.setItem('callback-page-left', JSON.stringify({
        status: document.getElementById('oauth-result')?.dataset.status,
        heading: document.getElementById('heading')?.textContent,
        link: document.getElementById('export-link')?.getAttribute('href'),
      }));
    });`);
    await page.reload();
    await page.locator('#oauth-result[data-status="not_authorized"]').waitFor();

    await page.getByRole('button', { name: 'Authorize Export' }).click();
    await page.waitForURL((url) => url.origin === new URL(provider.issuer).origin);
    await consentAtProvider(page);
    await page.waitForURL('**/oauth/callback**');
    // Nobody clicks: the callback page shows the outcome, then goes back to the export by itself.
    await page.waitForURL(`**/console/exports/${created.id}`);
    await oauthResult(page, 'authorized').waitFor();
    const left = JSON.parse(
      (await page.evaluate<string | null>("sessionStorage.getItem('callback-page-left')")) ?? '{}',
    );
    expect(left).toEqual({
      status: 'authorized',
      heading: 'Export authorized',
      link: `${connector.baseUrl}/console/exports/${created.id}`,
    });
    // It replaced itself: Back does not land on the spent callback URL.
    await page.goBack();
    expect(new URL(page.url()).pathname).not.toBe('/oauth/callback');
    expect(errors.join('\n')).toBe('');
  });

  it('says the authorization was not completed, and what to do, when the sign-in window is closed by hand', async () => {
    const { page, errors } = await signedInPage();
    await createExportOnPage(page, connector.baseUrl, {
      name: 'Closed window',
      webhookUrl: 'http://127.0.0.1:9/hooks/closed',
    });
    await fillOAuthForm(page, providerForm());
    const popup = await pressAuthorizeExport(page);
    // The manager gives up on the CRM's sign-in page and closes the window.
    await popup.waitForURL((url) => url.origin === new URL(provider.issuer).origin);
    await popup.close();

    const note = page.locator('#oauth-result[data-status="not_authorized"] .result-note');
    await note.waitFor();
    expect(await note.textContent()).toMatch(/authorization was not completed.*closed.*Press Authorize Export/);
    expect(await page.locator('#oauth-badge').textContent()).toBe('Not authorized');
    expect(errors.join('\n')).toBe('');
  });

  it('disconnects an authorized export after asking: the tokens are gone and the status is Not authorized', async () => {
    const { page, errors } = await signedInPage();
    const created = await createExportOnPage(page, connector.baseUrl, {
      name: 'Disconnect me',
      webhookUrl: 'http://127.0.0.1:9/hooks/disconnect',
    });
    await fillOAuthForm(page, providerForm());
    const popup = await pressAuthorizeExport(page);
    const closed = popup.waitForEvent('close');
    await consentAtProvider(popup);
    await closed;
    await oauthResult(page, 'authorized').waitFor();

    const disconnect = page.getByRole('button', { name: 'Disconnect' });
    await disconnect.click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect from the CRM?' });
    expect(await dialog.textContent()).toContain('The stored tokens are deleted');
    await dialog.getByRole('button', { name: 'Disconnect' }).click();

    await oauthResult(page, 'not_authorized').waitFor();
    expect(await page.locator('#oauth-badge').textContent()).toBe('Not authorized');
    expect(await disconnect.isHidden()).toBe(true);
    // It holds after a reload, and the API says the same.
    await page.reload();
    await oauthResult(page, 'not_authorized').waitFor();
    const status = await api(connector, 'GET', `/exports/${created.id}/oauth`, await connector.adminToken());
    expect(status.body).toMatchObject({ configured: true, status: 'not_authorized' });
    expect(status.body.authorizedAt).toBeUndefined();
    expect(errors.join('\n')).toBe('');
  });
});
