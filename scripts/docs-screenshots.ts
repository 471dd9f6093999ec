// Takes the console screenshots docs/console.md shows (docs/images/*.png), against a real
// connector with a real receiver and a few deliveries, through Debian's Chromium:
//   npx tsx scripts/docs-screenshots.ts
// The test helpers start everything on loopback and stop it afterwards; nothing here is a test.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../test/helpers/browser.ts';
import { ADMIN, startConnector } from '../test/helpers/connector.ts';
import { signInOnPage } from '../test/helpers/console-pages.ts';
import { postEngagement, seedTokens, setRetrySchedule, waitFor } from '../test/helpers/deliveries.ts';
import { api, createExport } from '../test/helpers/exports.ts';
import { startSalesforceLike } from '../test/helpers/salesforce-like.ts';
import { startWebhookReceiver } from '../test/helpers/webhook-receiver.ts';

const OUT = join(import.meta.dirname, '..', 'docs', 'images');

const connector = await startConnector();
const token = await connector.adminToken();
const secrets: string[] = [];
let failing = false;
const receiver = await startWebhookReceiver({
  secrets: () => secrets,
  acceptToken: () => true,
  respond: () =>
    failing
      ? { status: 503, body: '{"error":"maintenance window"}', headers: { 'content-type': 'application/json' } }
      : { status: 200, body: '{"ok":true}', headers: { 'content-type': 'application/json' } },
});
// The CRM is a loopback imitation of Salesforce's OAuth endpoints (test/helpers/salesforce-like.ts).
const salesforce = await startSalesforceLike({ redirectUri: connector.deps.config.redirectUri });
const browser = await launchChromium();
try {
  const crm = await createExport(connector, token, { name: 'Salesforce (production)', webhookUrl: receiver.url });
  secrets.push(crm.signingSecret);
  await seedTokens(connector, crm.id);
  await api(connector, 'PUT', `/exports/${crm.id}/oauth`, token, {
    authorizationUrl: salesforce.authorizationUrl,
    tokenUrl: salesforce.tokenUrl,
    clientId: salesforce.clientId,
    clientSecret: salesforce.clientSecret,
    scopes: ['api', 'refresh_token'],
  });
  await seedTokens(connector, crm.id);
  await setRetrySchedule(connector, crm.id, [0, 0.05]);
  const delivered = [];
  for (let i = 1; i <= 6; i++) {
    const posted = await postEngagement(connector, token, { id: `eng-${1000 + i}`, channel: i % 2 ? 'chat' : 'call' });
    delivered.push(posted.deliveries[0]?.id ?? '');
  }
  const status = async (id: string) => (await api(connector, 'GET', `/deliveries/${id}`, token)).body.status;
  for (const id of delivered)
    await waitFor(
      () => status(id),
      (s) => s === 'delivered',
      'delivered',
    );
  failing = true;
  const failed = (await postEngagement(connector, token, { id: 'eng-1007', channel: 'chat' })).deliveries[0]?.id ?? '';
  await waitFor(
    () => status(failed),
    (s) => s === 'dead',
    'dead',
  );

  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${connector.baseUrl}/console/exports`);
  await signInOnPage(page, ADMIN);
  await page.waitForURL('**/console/exports');
  const shoot = async (p: Page, name: string) => {
    await p.waitForLoadState('networkidle');
    await p.screenshot({ path: join(OUT, `${name}.png`) });
    console.log(`docs/images/${name}.png`);
  };

  await page.goto(`${connector.baseUrl}/console/exports/${crm.id}#oauth`);
  await page.getByRole('button', { name: 'Authorize Export' }).waitFor();
  await page.getByRole('button', { name: 'Check configuration' }).click();
  await page
    .locator('#oauth')
    .getByText(/rejected|accepted|reach/i)
    .first()
    .waitFor();
  await page.waitForLoadState('networkidle');
  // Tall enough to hold the whole card: a stitched element shot would show the sticky section nav in it.
  await page.setViewportSize({ width: 1280, height: 1700 });
  await page.locator('#oauth').screenshot({ path: join(OUT, 'export-oauth.png') });
  await page.setViewportSize({ width: 1280, height: 860 });
  console.log('docs/images/export-oauth.png');
  await page.goto(`${connector.baseUrl}/console/deliveries?exportId=${crm.id}`);
  await page.locator('a[href*="/console/deliveries/dlv_"]').first().waitFor();
  await shoot(page, 'delivery-log');
  await page.goto(`${connector.baseUrl}/console/deliveries/${failed}`);
  await page.getByText('maintenance window').first().waitFor();
  await page
    .locator('details')
    .last()
    .evaluate((d) => d.setAttribute('open', ''));
  await shoot(page, 'delivery-inspector');
  await page.goto(`${connector.baseUrl}/console/admin/members`);
  await page.getByRole('heading', { name: 'Members', level: 1 }).waitFor();
  await shoot(page, 'settings-members');
  await page.goto(`${connector.baseUrl}/console/admin/audit`);
  await page.locator('#audit-body tr[data-audit-id]').first().waitFor();
  await shoot(page, 'settings-audit');

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  const small = await phone.newPage();
  await small.goto(`${connector.baseUrl}/console/exports/${crm.id}`);
  await signInOnPage(small, ADMIN);
  await small.waitForURL(`**/console/exports/${crm.id}`);
  await small.locator('#export-name').filter({ hasNotText: 'Loading…' }).waitFor();
  await shoot(small, 'export-page-390px');
} finally {
  await browser.close();
  await receiver.close();
  await salesforce.close();
  await connector.close();
}
