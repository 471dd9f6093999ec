import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.ts';
import { collectPageErrors, launchChromium, saveScreenshot } from '../helpers/browser.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { signInOnPage } from '../helpers/console-pages.ts';
import { postEngagement, seedTokens, setRetrySchedule, waitFor } from '../helpers/deliveries.ts';
import { api, createExport } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { signInNewMember } from '../helpers/members.ts';
import { type ReceiverAnswer, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

// The delivery inspector and the group-wide delivery log in Debian's Chromium against the whole
// connector: the real worker pushes to a loopback receiver that answers 500 with a body until the
// test lets it accept, and the pages show what was sent and what came back.
describe('the console: delivery log and inspector in a real browser', () => {
  let connector: TestConnector;
  let browser: Browser;
  let token: string;
  const contexts: BrowserContext[] = [];
  let page: Page;
  let errors: string[];
  let receiver: WebhookReceiver;
  let accept = false;
  const secrets: string[] = [];
  let exportId: string;
  let failedId: string;
  const engagementId = `E-inspect-${Date.now()}`;

  async function signedInPage(member: { username: string; password: string; group?: string }, width = 1360) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    contexts.push(context);
    const p = await context.newPage();
    const errs = collectPageErrors(p, connector.baseUrl);
    await p.goto(`${connector.baseUrl}/console/exports`);
    await signInOnPage(p, member);
    await p.waitForURL('**/console/exports');
    return { page: p, errors: errs };
  }

  const statusOf = async (id: string) => (await api(connector, 'GET', `/deliveries/${id}`, token)).body.status;

  async function expectNoAxeViolations(p: Page): Promise<void> {
    const violations = await axeViolations(p);
    expect(violations, describeViolations(violations)).toEqual([]);
  }

  beforeAll(async () => {
    connector = await startConnector();
    token = await connector.adminToken();
    rememberSecret(token);
    receiver = await startWebhookReceiver({
      secrets: () => secrets,
      acceptToken: () => true,
      respond: (): ReceiverAnswer =>
        accept
          ? { status: 200, body: '{"ok":true}', headers: { 'content-type': 'application/json' } }
          : {
              status: 500,
              body: '{"error":"the CRM database is on fire"}',
              headers: { 'content-type': 'application/json', 'x-crm-trace': 'trace-42' },
            },
    });
    const exp = await createExport(connector, token, { name: 'Inspected CRM', webhookUrl: receiver.url });
    exportId = exp.id;
    secrets.push(exp.signingSecret);
    await seedTokens(connector, exportId);
    // Two quick attempts, then dead.
    await setRetrySchedule(connector, exportId, [0, 0.05]);
    const posted = await postEngagement(connector, token, { id: engagementId, channel: 'chat' });
    failedId = posted.deliveries.find((d) => d.exportId === exportId)?.id as string;
    await waitFor(
      () => statusOf(failedId),
      (s) => s === 'dead',
      'the delivery to go dead',
    );
    browser = await launchChromium();
    ({ page, errors } = await signedInPage(ADMIN));
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await receiver?.close();
    await connector?.close();
  });

  it("shows a failed delivery's request as sent and each answer (status and body), then retries it", async () => {
    await page.goto(`${connector.baseUrl}/console/deliveries/${failedId}`);
    await page.locator('#facts [data-status="dead"]').waitFor();
    const facts = await page.locator('#facts').textContent();
    expect(facts).toContain(engagementId);
    expect(facts).toContain(failedId);
    expect(facts).toContain('engagement.completed');
    expect(await page.locator('#export-link').getAttribute('href')).toBe(`/console/exports/${exportId}`);
    await page.locator('#export-link', { hasText: 'Inspected CRM' }).waitFor();

    // The request as sent: the URL, the token masked by the API, the body pretty-printed.
    expect(await page.locator('#request-url').textContent()).toBe(receiver.url);
    const requestHeaders = await page.locator('#request').textContent();
    expect(requestHeaders).toMatch(/Bearer \*{4}/);
    expect(requestHeaders).toContain('webhook-signature');
    const body = JSON.parse((await page.locator('#request-body').textContent()) ?? '');
    expect(body).toMatchObject({ type: 'engagement.completed', data: { id: engagementId } });

    // Two attempts, each with its answer; the last one opens by itself, the first on a click.
    const attempts = page.locator('#attempt-list details');
    expect(await attempts.count()).toBe(2);
    const last = attempts.nth(1);
    expect(await last.getAttribute('open')).not.toBeNull();
    expect(await last.locator('summary').textContent()).toContain('HTTP 500');
    expect(await last.locator('.response-body').textContent()).toContain('the CRM database is on fire');
    expect(await last.textContent()).toContain('trace-42');
    await attempts.nth(0).locator('summary').click();
    await attempts.nth(0).locator('.response-body').waitFor();
    // Times to the second, the exact instant in <time datetime>.
    const datetime = await last.locator('summary time').getAttribute('datetime');
    expect(datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await last.locator('summary time').textContent()).toMatch(/\d\d:\d\d:\d\d/);
    await expectNoAxeViolations(page);
    await saveScreenshot(page, 'console-delivery-inspector');

    accept = true;
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    // The page reads the delivery again while it is on its way.
    await page.locator('#facts [data-status="delivered"]').waitFor({ timeout: 30_000 });
    expect(await statusOf(failedId)).toBe('delivered');
    expect(await page.getByRole('button', { name: 'Retry', exact: true }).isDisabled()).toBe(true);
    expect(errors.join('\n')).toBe('');
  });

  it('says when a delivery does not exist in the group', async () => {
    await page.goto(`${connector.baseUrl}/console/deliveries/dlv_doesnotexist`);
    await page.getByText('This delivery does not exist in your group').waitFor();
    expect(await page.locator('#delivery-title').textContent()).toBe('Delivery not found');
  });

  it('shows a viewer the inspector read-only, with the reason', async () => {
    const viewer = await signInNewMember(connector, 'viewer');
    const { page: viewerPage, errors: viewerErrors } = await signedInPage(viewer);
    await viewerPage.goto(`${connector.baseUrl}/console/deliveries/${failedId}`);
    await viewerPage.locator('#facts [data-status]').waitFor();
    expect(await viewerPage.getByRole('button', { name: 'Retry', exact: true }).isDisabled()).toBe(true);
    expect(await viewerPage.getByRole('button', { name: 'Resend' }).isDisabled()).toBe(true);
    expect(await viewerPage.locator('#read-only-note').textContent()).toContain('needs the manager or admin role');
    expect(viewerErrors.join('\n')).toBe('');
  });

  it('resends a delivery as a new one and opens it', async () => {
    await page.goto(`${connector.baseUrl}/console/deliveries/${failedId}`);
    await page.locator('#facts [data-status="delivered"]').waitFor();
    await page.getByRole('button', { name: 'Resend' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Resend' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/console/deliveries/') && !url.pathname.endsWith(failedId));
    const resentId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    await page.locator('#facts [data-status="delivered"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#facts').textContent()).toContain(engagementId);
    expect(receiver.ids().has(resentId)).toBe(true);
    expect(errors.join('\n')).toBe('');
  });

  it('lists deliveries across exports, filters them, opens one by its webhook-id, and retries matching ones', async () => {
    accept = false;
    const other = await createExport(connector, token, { name: 'Other CRM', webhookUrl: receiver.url });
    secrets.push(other.signingSecret);
    await seedTokens(connector, other.id);
    await setRetrySchedule(connector, other.id, [0, 0.05]);
    const second = await postEngagement(connector, token, { id: `${engagementId}-2`, channel: 'voice' });
    const dead = second.deliveries.map((d) => d.id);
    await waitFor(
      () => Promise.all(dead.map(statusOf)),
      (s) => s.every((x) => x === 'dead'),
      'both deliveries of the second engagement to go dead',
    );

    await page.goto(`${connector.baseUrl}/console/deliveries`);
    const rows = page.locator('#log-body tr[data-delivery-id]');
    const shownIds = () => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-delivery-id')));
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThanOrEqual(3);
    await page.locator(`#log-body tr[data-delivery-id="${dead[0]}"]`).waitFor();
    await expectNoAxeViolations(page);

    // Filtered by the export: its rows only, and the filter kept in the address.
    await page.getByLabel('Export').selectOption(other.id);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL((url) => url.searchParams.get('exportId') === other.id);
    const otherId = second.deliveries.find((d) => d.exportId === other.id)?.id as string;
    await expect.poll(shownIds, { timeout: 10_000 }).toEqual([otherId]);
    expect(await rows.first().textContent()).toContain('Other CRM');

    // Retry matching: asks first, naming what, then says how many were queued.
    accept = true;
    await page.getByRole('button', { name: 'Retry matching' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('Other CRM');
    await dialog.getByRole('button', { name: 'Retry deliveries' }).click();
    await page.getByText('1 delivery queued again.').waitFor();
    await waitFor(
      () => statusOf(otherId),
      (s) => s === 'delivered',
      'the retried delivery to be delivered',
    );

    // A time window: "From" tomorrow matches nothing; the filter goes to the API as ISO 8601.
    await page.getByLabel('From').fill('2099-01-01T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No delivery matches these filters.').waitFor();
    expect(new Date(new URL(page.url()).searchParams.get('since') ?? '').getFullYear()).toBe(2099);
    await page.getByLabel('From').fill('');

    // A webhook-id typed in the search goes straight to its inspector.
    await page.getByLabel('Engagement id or webhook-id').fill(dead[0] as string);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(`**/console/deliveries/${dead[0]}`);
    await page.locator('#facts [data-status]').waitFor();

    // An engagement id filters the log by it.
    await page.goto(`${connector.baseUrl}/console/deliveries`);
    await page.getByLabel('Engagement id or webhook-id').fill(engagementId);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL((url) => url.searchParams.get('engagementId') === engagementId);
    await expect
      .poll(async () => (await shownIds()).includes(failedId) && !(await shownIds()).includes(otherId), {
        timeout: 10_000,
      })
      .toBe(true);

    // The export page links to the log filtered by that export.
    await page.goto(`${connector.baseUrl}/console/exports/${other.id}`);
    await page.getByRole('link', { name: 'Open in the delivery log' }).click();
    await page.waitForURL(
      (url) => url.pathname === '/console/deliveries' && url.searchParams.get('exportId') === other.id,
    );
    // The Export filter is chosen once the page has read the group's exports (GET /v1/exports).
    await expect.poll(() => page.getByLabel('Export').inputValue(), { timeout: 10_000 }).toBe(other.id);
    await saveScreenshot(page, 'console-delivery-log');
    expect(errors.join('\n')).toBe('');
  });

  it('says what to do about a parked delivery, and names the delivery a held one waits for', async () => {
    const failing = await startWebhookReceiver({
      secrets: () => secrets,
      acceptToken: () => true,
      respond: () => ({ status: 503, body: 'down for maintenance' }),
    });
    try {
      // Never authorized: its deliveries park.
      const unauthorized = await createExport(connector, token, { name: 'Never authorized', webhookUrl: receiver.url });
      secrets.push(unauthorized.signingSecret);
      // Ordered, with an hour before the second attempt: the first stays pending and holds the second.
      const ordered = await createExport(connector, token, { name: 'Ordered CRM', webhookUrl: failing.url });
      secrets.push(ordered.signingSecret);
      await seedTokens(connector, ordered.id);
      expect((await api(connector, 'PATCH', `/exports/${ordered.id}`, token, { ordered: true })).status).toBe(200);
      await setRetrySchedule(connector, ordered.id, [0, 3600]);
      const first = await postEngagement(connector, token, { id: `${engagementId}-held-1` });
      const second = await postEngagement(connector, token, { id: `${engagementId}-held-2` });
      const parkedId = first.deliveries.find((d) => d.exportId === unauthorized.id)?.id as string;
      const headId = first.deliveries.find((d) => d.exportId === ordered.id)?.id as string;
      const heldId = second.deliveries.find((d) => d.exportId === ordered.id)?.id as string;
      await waitFor(
        () => statusOf(parkedId),
        (s) => s === 'parked',
        'the delivery to be parked',
      );
      await waitFor(
        async () => (await api(connector, 'GET', `/deliveries/${heldId}`, token)).body.waitingFor,
        (id) => id === headId,
        'the second delivery to wait for the first',
      );

      await page.goto(`${connector.baseUrl}/console/deliveries/${parkedId}`);
      const nextStep = page.locator('#next-step');
      await nextStep.waitFor();
      expect(await nextStep.textContent()).toContain('This delivery is parked');
      expect(await nextStep.textContent()).toMatch(/Authorize Export/);
      await page.getByRole('link', { name: 'Open the export’s OAuth settings' }).click();
      await page.waitForURL(`**/console/exports/${unauthorized.id}#oauth`);

      await page.goto(`${connector.baseUrl}/console/deliveries/${heldId}`);
      const waiting = page.locator('#waiting-for');
      await waiting.waitFor();
      await waiting.getByRole('link', { name: headId }).click();
      await page.waitForURL(`**/console/deliveries/${headId}`);
      await page.locator('#facts [data-status="pending"]').waitFor();
      expect(await page.locator('#attempt-list .response-body').first().textContent()).toContain(
        'down for maintenance',
      );
      await expectNoAxeViolations(page);
      expect(errors.join('\n')).toBe('');
    } finally {
      await failing.close();
    }
  });

  it('fits the log and the inspector in 390 px without horizontal scrolling', async () => {
    const { page: phone } = await signedInPage(ADMIN, 390);
    for (const path of [`/console/deliveries/${failedId}`, '/console/deliveries']) {
      await phone.goto(`${connector.baseUrl}${path}`);
      await phone.locator('#facts [data-status], #log-body tr').first().waitFor();
      expect(await phone.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await expectNoAxeViolations(phone);
    }
  });
});
