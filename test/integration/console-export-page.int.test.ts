import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.ts';
import { collectPageErrors, launchChromium, saveScreenshot } from '../helpers/browser.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { fillOAuthForm, signInOnPage } from '../helpers/console-pages.ts';
import { seedTokens, waitFor } from '../helpers/deliveries.ts';
import { api, createExport } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { signInNewMember } from '../helpers/members.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

// The export page in Debian's Chromium against the whole connector: its section nav, the delivery
// settings form, "Check configuration" against a real oidc-provider as the CRM, and "Send test
// event" through the real worker to a loopback receiver.
describe('the console: the export page in a real browser', () => {
  let connector: TestConnector;
  let provider: TestOidcProvider;
  let browser: Browser;
  let receiver: WebhookReceiver;
  let token: string;
  const contexts: BrowserContext[] = [];
  let page: Page;
  let errors: string[];
  const secrets: string[] = [];

  async function signedInPage(width: number) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    contexts.push(context);
    const p = await context.newPage();
    const errs = collectPageErrors(p, connector.baseUrl);
    await p.goto(`${connector.baseUrl}/console/exports`);
    await signInOnPage(p, ADMIN);
    await p.waitForURL('**/console/exports');
    return { page: p, errors: errs };
  }

  async function openExport(p: Page, id: string, section = ''): Promise<void> {
    await p.goto(`${connector.baseUrl}/console/exports/${id}${section}`);
    await p.locator('#oauth-result[data-status]').waitFor();
  }

  async function expectNoAxeViolations(p: Page): Promise<void> {
    const violations = await axeViolations(p);
    expect(violations, describeViolations(violations)).toEqual([]);
  }

  beforeAll(async () => {
    connector = await startConnector();
    token = await connector.adminToken();
    rememberSecret(token);
    provider = await startOidcProvider({ redirectUri: connector.deps.config.redirectUri });
    receiver = await startWebhookReceiver({ secrets: () => secrets, acceptToken: () => true });
    browser = await launchChromium();
    ({ page, errors } = await signedInPage(1360));
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await receiver?.close();
    await provider?.close();
    await connector?.close();
  });

  it('shows the delivery settings with their defaults, names a refused value beside its field, and saves', async () => {
    const exp = await createExport(connector, token, { name: 'Settings', webhookUrl: receiver.url });
    secrets.push(exp.signingSecret);
    await openExport(page, exp.id);
    await page.getByRole('link', { name: 'Delivery settings' }).click();
    await page.waitForURL('**#settings');
    const schedule = page.getByLabel('Retry schedule (seconds)');
    expect(await schedule.inputValue()).toBe('5, 300, 1800, 7200, 18000, 36000, 36000');
    expect(await page.getByLabel('Sent at once (max in flight)').inputValue()).toBe('20');
    expect(await page.getByLabel('Rate limit per minute').inputValue()).toBe('');
    expect(await page.getByLabel('Permanent failure codes').inputValue()).toBe('');
    expect(await page.getByLabel('Send in order, one at a time').isChecked()).toBe(false);

    // 401 may not be permanent (a token problem parks instead): the API's words appear beside the field.
    await page.getByLabel('Permanent failure codes').fill('400, 401');
    await page.getByRole('button', { name: 'Save delivery settings' }).click();
    const codesError = page.locator('#permanentStatuses-error');
    await codesError.waitFor();
    expect(await codesError.textContent()).toMatch(/401/);
    expect(await page.getByLabel('Permanent failure codes').getAttribute('aria-invalid')).toBe('true');

    await schedule.fill('10, 60 600');
    await page.getByLabel('Sent at once (max in flight)').fill('5');
    await page.getByLabel('Rate limit per minute').fill('120');
    await page.getByLabel('Permanent failure codes').fill('400, 422');
    await page.getByLabel('Send in order, one at a time').check();
    await page.getByRole('button', { name: 'Save delivery settings' }).click();
    await page.getByText('Delivery settings saved').waitFor();
    expect(await codesError.isHidden()).toBe(true);
    expect((await api(connector, 'GET', `/exports/${exp.id}`, token)).body).toMatchObject({
      retrySchedule: [10, 60, 600],
      rateLimitPerMinute: 120,
      permanentStatuses: [400, 422],
      ordered: true,
    });

    // Emptying the rate limit takes it off.
    await page.getByLabel('Rate limit per minute').fill('');
    await page.getByRole('button', { name: 'Save delivery settings' }).click();
    await waitFor(
      async () => (await api(connector, 'GET', `/exports/${exp.id}`, token)).body.rateLimitPerMinute,
      (value) => value === null,
      'the rate limit to be taken off',
    );
    expect(errors.join('\n')).toBe('');
  });

  it('checks the OAuth configuration: a wrong Client Secret is named as rejected, the right one as accepted', async () => {
    const exp = await createExport(connector, token, { name: 'Checked CRM', webhookUrl: receiver.url });
    secrets.push(exp.signingSecret);
    await openExport(page, exp.id, '#oauth');
    const wrong = 'not-the-secret-at-all';
    rememberSecret(wrong);
    await fillOAuthForm(page, {
      authorizationUrl: provider.authorizationUrl,
      tokenUrl: provider.tokenUrl,
      clientId: provider.clientId,
      clientSecret: wrong,
      scopes: 'openid offline_access crm.write',
    });
    // Unsaved settings are saved first, as Authorize Export does.
    await page.getByRole('button', { name: 'Check configuration' }).click();
    const verdict = page.locator('#check-result[data-verdict]');
    await verdict.waitFor({ timeout: 20_000 });
    expect(await verdict.getAttribute('data-verdict')).toBe('rejected');
    expect(await verdict.textContent()).toContain('The CRM rejected the Client ID or Client Secret');
    await page.getByText('A client secret is set').waitFor();
    await saveScreenshot(page, 'console-check-configuration-rejected');

    await page.getByLabel('Client Secret').fill(provider.clientSecret);
    await page.getByRole('button', { name: 'Configure OAuth' }).click();
    // Saved: the write-only field is emptied again.
    await expect.poll(() => page.getByLabel('Client Secret').inputValue(), { timeout: 10_000 }).toBe('');
    await page.getByRole('button', { name: 'Check configuration' }).click();
    await page.locator('#check-result[data-verdict="accepted"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('#check-result').textContent()).toContain(
      'The CRM accepted the Client ID and Client Secret',
    );
    // Nothing was authorized by the check.
    expect((await api(connector, 'GET', `/exports/${exp.id}/oauth`, token)).body.status).toBe('not_authorized');
    expect(errors.join('\n')).toBe('');
  });

  it('sends a test event, links to its delivery, and lists it with its event type', async () => {
    const exp = await createExport(connector, token, { name: 'Test events', webhookUrl: receiver.url });
    secrets.push(exp.signingSecret);
    await seedTokens(connector, exp.id);
    await openExport(page, exp.id);
    await page.getByRole('button', { name: 'Send test event' }).click();
    const queued = page.locator('#test-event-result[data-outcome="queued"]');
    await queued.waitFor();
    expect(await queued.textContent()).toContain('Test event queued');
    const href = (await page.getByRole('link', { name: 'Open its delivery' }).getAttribute('href')) ?? '';
    const deliveryId = decodeURIComponent(href.split('/').pop() ?? '');
    expect(deliveryId).toMatch(/^dlv_/);

    // The export's deliveries show it with its event type.
    const row = page.locator(`#deliveries-body tr[data-delivery-id="${deliveryId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('engagement.test');

    await page.getByRole('link', { name: 'Open its delivery' }).click();
    await page.waitForURL(`**/console/deliveries/${deliveryId}`);
    await page.locator('#facts [data-status="delivered"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#facts').textContent()).toContain('engagement.test');
    const received = receiver.requestsFor(deliveryId);
    expect(received.map((r) => r.body.type)).toEqual(['engagement.test']);

    // And the group's delivery log lists it.
    await page.goto(`${connector.baseUrl}/console/deliveries?exportId=${exp.id}`);
    const logRow = page.locator(`#log-body tr[data-delivery-id="${deliveryId}"]`);
    await logRow.waitFor();
    expect(await logRow.textContent()).toContain('engagement.test');
    expect(await logRow.textContent()).toContain('Delivered');
    expect(errors.join('\n')).toBe('');
  });

  it('shows a viewer the export page read-only, with the reason', async () => {
    const exp = await createExport(connector, token, { name: 'Viewed export', webhookUrl: receiver.url });
    secrets.push(exp.signingSecret);
    const viewer = await signInNewMember(connector, 'viewer');
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    contexts.push(context);
    const viewerPage = await context.newPage();
    const viewerErrors = collectPageErrors(viewerPage, connector.baseUrl);
    await viewerPage.goto(`${connector.baseUrl}/console/exports/${exp.id}`);
    await signInOnPage(viewerPage, viewer);
    await viewerPage.locator('#oauth-result[data-status]').waitFor();
    for (const name of ['Check configuration', 'Send test event', 'Save delivery settings', 'Configure OAuth']) {
      expect(await viewerPage.getByRole('button', { name }).isDisabled(), name).toBe(true);
    }
    expect(await viewerPage.locator('#read-only-note').textContent()).toContain('needs the manager or admin role');
    // The settings are still shown.
    expect(await viewerPage.getByLabel('Sent at once (max in flight)').inputValue()).toBe('20');
    expect(viewerErrors.join('\n')).toBe('');
  });

  it('fits 390 px without horizontal scrolling, and axe finds nothing in any section', async () => {
    const exp = await createExport(connector, token, { name: 'A phone-sized export page', webhookUrl: receiver.url });
    secrets.push(exp.signingSecret);
    const { page: phone, errors: phoneErrors } = await signedInPage(390);
    await openExport(phone, exp.id);
    await phone.locator('#deliveries-body tr').first().waitFor();
    expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectNoAxeViolations(phone);
    for (const section of ['Webhook', 'OAuth', 'Delivery settings', 'Deliveries']) {
      await phone.getByRole('navigation', { name: 'Export sections' }).getByRole('link', { name: section }).click();
      const link = phone.locator(`.section-nav a[aria-current]`);
      await link.filter({ hasText: section }).waitFor();
      expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await expectNoAxeViolations(phone);
    }
    // The top bar's sections stay reachable on a phone.
    await phone.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Deliveries' }).waitFor();
    await saveScreenshot(phone, 'console-export-page-390');
    expect(phoneErrors.join('\n')).toBe('');
  });
});
