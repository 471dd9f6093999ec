import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, saveScreenshot } from '../helpers/browser.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { createExportOnPage, signInOnPage } from '../helpers/console-pages.ts';
import { postEngagement, seedTokens, setRetrySchedule, waitFor } from '../helpers/deliveries.ts';
import { api, createExport } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

// Managing exports and reading their delivery log in the console, in Debian's Chromium against
// the whole connector: the real delivery worker pushes to a verifying webhook receiver.
describe('the console: managing exports and their deliveries in a real browser', () => {
  let connector: TestConnector;
  let browser: Browser;
  let token: string;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    connector = await startConnector();
    token = await connector.adminToken();
    rememberSecret(token);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    page = await context.newPage();
    errors = collectPageErrors(page, connector.baseUrl);
    await page.goto(`${connector.baseUrl}/console/exports`);
    await signInOnPage(page, ADMIN);
    await page.waitForURL('**/console/exports');
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    for (const receiver of receivers) await receiver.close();
    await connector?.close();
  });

  async function confirmInDialog(button: string): Promise<void> {
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: button }).click();
    await dialog.waitFor({ state: 'hidden' });
  }

  it('edits, disables and enables, rotates the secret of, and deletes an export (after asking)', async () => {
    const created = await createExportOnPage(page, connector.baseUrl, {
      name: 'Zendesk sandbox',
      webhookUrl: 'http://127.0.0.1:9/hooks/zendesk',
    });
    rememberSecret(created.signingSecret);

    // The API's refusal of a bad URL shows beside the field; a good change is saved.
    await page.getByLabel('Webhook URL').fill('ftp://crm.example.com/hook');
    await page.getByRole('button', { name: 'Save webhook' }).click();
    await page.locator('#webhookUrl-error').waitFor();
    await page.getByLabel('Webhook URL').fill('http://127.0.0.1:9/hooks/zendesk-v2');
    await page.getByLabel('Name').fill('Zendesk production');
    await page.getByRole('button', { name: 'Save webhook' }).click();
    await page.getByText('Saved').waitFor();
    expect(await page.locator('#export-name').textContent()).toBe('Zendesk production');
    expect((await api(connector, 'GET', `/exports/${created.id}`, token)).body).toMatchObject({
      name: 'Zendesk production',
      webhookUrl: 'http://127.0.0.1:9/hooks/zendesk-v2',
    });

    await page.getByRole('button', { name: 'Disable' }).click();
    await confirmInDialog('Disable export');
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    expect(await page.locator('#export-badges [data-status="disabled"]').count()).toBe(1);
    expect((await api(connector, 'GET', `/exports/${created.id}`, token)).body.enabled).toBe(false);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByRole('button', { name: 'Disable' }).waitFor();
    expect((await api(connector, 'GET', `/exports/${created.id}`, token)).body.enabled).toBe(true);

    await page.getByRole('button', { name: 'Rotate signing secret' }).click();
    await confirmInDialog('Rotate secret');
    const rotated = await page.getByLabel('New signing secret').inputValue();
    rememberSecret(rotated);
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(created.signingSecret);

    // Delete asks first: cancelling keeps the export.
    await page.getByRole('button', { name: 'Delete' }).click();
    await confirmInDialog('Cancel');
    expect((await api(connector, 'GET', `/exports/${created.id}`, token)).status).toBe(200);
    await page.getByRole('button', { name: 'Delete' }).click();
    await confirmInDialog('Delete export');
    await page.waitForURL('**/console/exports');
    await page.locator('#exports-body tr.placeholder').waitFor({ state: 'detached' });
    expect(await page.locator(`tr[data-export-id="${created.id}"]`).count()).toBe(0);
    expect((await api(connector, 'GET', `/exports/${created.id}`, token)).status).toBe(404);
    expect(errors.join('\n')).toBe('');
  });

  it('fills Salesforce endpoints from the preset for production, sandbox and My Domain hosts', async () => {
    await createExportOnPage(page, connector.baseUrl, {
      name: 'Salesforce',
      webhookUrl: '{instance_url}/services/apexrest/engagements',
    });
    const value = (label: string) => page.getByLabel(label, { exact: true }).inputValue();
    await page.getByLabel('Salesforce login').selectOption('test');
    await page.getByRole('button', { name: 'Fill in Salesforce' }).click();
    expect(await value('Authorization URL')).toBe('https://test.salesforce.com/services/oauth2/authorize');
    expect(await value('Access Token URL')).toBe('https://test.salesforce.com/services/oauth2/token');
    expect(await value('Scopes')).toBe('api refresh_token offline_access');

    await page.getByLabel('Salesforce login').selectOption('mydomain');
    await page.getByLabel('My Domain host').fill('not a host');
    await page.getByRole('button', { name: 'Fill in Salesforce' }).click();
    await page.getByText('Enter your My Domain host').waitFor();
    await page.getByLabel('My Domain host').fill('https://acme.my.salesforce.com/');
    await page.getByRole('button', { name: 'Fill in Salesforce' }).click();
    expect(await value('Authorization URL')).toBe('https://acme.my.salesforce.com/services/oauth2/authorize');
    expect(await value('Access Token URL')).toBe('https://acme.my.salesforce.com/services/oauth2/token');

    await page.getByLabel('Salesforce login').selectOption('login');
    await page.getByRole('button', { name: 'Fill in Salesforce' }).click();
    expect(await value('Authorization URL')).toBe('https://login.salesforce.com/services/oauth2/authorize');
    expect(errors.join('\n')).toBe('');
  });

  it('lists recent deliveries with status, attempts and last error; filters; retries; replays failed', async () => {
    let accept = false;
    const secrets: string[] = [];
    const receiver = await startWebhookReceiver({
      secrets: () => secrets,
      acceptToken: () => true,
      respond: () => (accept ? { status: 200 } : { status: 400, body: '{"error":"unknown field: mood"}' }),
    });
    receivers.push(receiver);
    const exp = await createExport(connector, token, { name: 'Delivery log', webhookUrl: receiver.url });
    secrets.push(exp.signingSecret);
    await seedTokens(connector, exp.id);
    await setRetrySchedule(connector, exp.id, [0, 0.05]);
    // Every non-2xx is retried unless the export names it permanent: this receiver's 400 is.
    expect((await api(connector, 'PATCH', `/exports/${exp.id}`, token, { permanentStatuses: [400] })).status).toBe(200);
    const first = await postEngagement(connector, token, { id: `E-${Date.now()}-1`, channel: 'chat' });
    const second = await postEngagement(connector, token, { id: `E-${Date.now()}-2`, channel: 'voice' });
    const ids = [first, second].map((e) => e.deliveries.find((d) => d.exportId === exp.id)?.id as string);
    const statuses = () =>
      Promise.all(ids.map(async (id) => (await api(connector, 'GET', `/deliveries/${id}`, token)).body.status));
    await waitFor(statuses, (s) => s.every((x) => x === 'failed'), 'both deliveries failed');

    await page.goto(`${connector.baseUrl}/console/exports/${exp.id}`);
    const rows = page.locator('#deliveries-body tr[data-delivery-id]');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    const firstRow = page.locator(`tr[data-delivery-id="${ids[0]}"]`);
    const cells = await firstRow.locator('td').allTextContents();
    expect(cells[1]).toContain('Failed');
    expect(cells[2]).toBe('1');
    expect(cells[3]).toBe('400');
    expect(cells[4]).toContain('unknown field: mood');

    await page.getByLabel('Status').selectOption('delivered');
    await page.getByText('No delivered deliveries.').waitFor();
    await page.getByLabel('Status').selectOption('failed');
    await rows.nth(1).waitFor();

    accept = true;
    await firstRow.getByRole('button', { name: 'Retry' }).click();
    await waitFor(statuses, (s) => s[0] === 'delivered', 'the retried delivery was delivered');
    await page.getByLabel('Status').selectOption('');
    await page.locator(`tr[data-delivery-id="${ids[0]}"] [data-status="delivered"]`).waitFor();

    await page.getByLabel('Replay failed since').fill('2000-01-01T00:00');
    await page.getByRole('button', { name: 'Replay failed' }).click();
    await page.getByText('1 delivery queued again.').waitFor();
    await waitFor(statuses, (s) => s.every((x) => x === 'delivered'), 'the replayed delivery was delivered');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator(`tr[data-delivery-id="${ids[1]}"] [data-status="delivered"]`).waitFor();

    const secondRow = page.locator(`tr[data-delivery-id="${ids[1]}"]`);
    await secondRow.getByRole('button', { name: 'Attempts' }).click();
    const attempts = page.locator('.attempts li');
    await attempts.nth(1).waitFor();
    expect(await attempts.allTextContents()).toEqual([
      expect.stringContaining('HTTP 400'),
      expect.stringContaining('HTTP 200'),
    ]);
    expect(receiver.ids()).toEqual(new Set(ids));
    await saveScreenshot(page, 'console-deliveries');
    expect(errors.join('\n')).toBe('');
  });
});
