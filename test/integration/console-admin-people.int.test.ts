import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedCall } from '../helpers/api-keys.ts';
import { axeViolations, describeViolations } from '../helpers/axe.ts';
import { collectPageErrors, launchChromium, saveScreenshot } from '../helpers/browser.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { signInOnPage } from '../helpers/console-pages.ts';
import { api } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken, signInNewMember } from '../helpers/members.ts';

// The Settings pages for people and credentials (docs/console.md "Settings"): the index, Members,
// API keys, Partners and Trusted origins, in Debian's Chromium against the whole connector. What
// the pages show is checked against the API's own answers.
describe('the console: Settings for members, API keys, partners and trusted origins', () => {
  let connector: TestConnector;
  let browser: Browser;
  let token: string;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    token = await connector.adminToken();
    rememberSecret(token);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    page = await context.newPage();
    errors = collectPageErrors(page, connector.baseUrl);
    await page.goto(`${connector.baseUrl}/console/admin`);
    await signInOnPage(page, ADMIN);
    await page.waitForURL('**/console/admin');
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await connector?.close();
  });

  const open = async (path: string) => {
    await page.goto(`${connector.baseUrl}/console/admin${path}`);
    await page.locator('[data-loading]').first().waitFor({ state: 'hidden' });
  };
  const settingsNav = () => page.getByRole('navigation', { name: 'Settings' });

  async function confirmInDialog(button: string): Promise<void> {
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: button }).click();
    await dialog.waitFor({ state: 'hidden' });
  }

  it('the Settings index links each of the eight pages with what it is for', async () => {
    await page.goto(`${connector.baseUrl}/console/admin`);
    const cards = page.getByRole('list', { name: 'Settings pages' });
    for (const label of [
      'Members',
      'API keys',
      'Partners',
      'Single sign-on',
      'Trusted origins',
      'Notifications',
      'Apps',
      'Audit log',
    ]) {
      await expect(cards.getByRole('link', { name: label, exact: true }).isVisible()).resolves.toBe(true);
      await expect(settingsNav().getByRole('link', { name: label, exact: true }).isVisible()).resolves.toBe(true);
    }
    await expect(cards.textContent()).resolves.toContain('Keys that servers use to sign requests');
    await cards.getByRole('link', { name: 'Members', exact: true }).click();
    await page.waitForURL('**/console/admin/members');
    await expect(settingsNav().getByRole('link', { name: 'Members' }).getAttribute('aria-current')).resolves.toBe(
      'page',
    );
    expect(errors.join('\n')).toBe('');
  });

  it('creates an API key whose secret is shown once and signs requests, lists it without secret, revokes it', async () => {
    await open('/api-keys');
    await page.getByLabel('Name', { exact: true }).fill('Billing server');
    await page.getByLabel('exports:read').check();
    await page.getByLabel('deliveries:read').check();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const secretField = page.getByLabel('Secret', { exact: true });
    const secret = await secretField.inputValue();
    rememberSecret(secret);
    const keyId = await page.getByLabel('Key ID').inputValue();
    expect(secret).toMatch(/^sk_/);
    expect(keyId).toMatch(/^apk_/);
    await expect(page.getByText('it is shown only this once').isVisible()).resolves.toBe(true);
    await saveScreenshot(page, 'settings-api-key-created');

    // The key signs a request as the user's server would, with just the privileges chosen.
    expect((await signedCall(connector, { id: keyId, secret }, '/v1/exports')).status).toBe(200);
    expect((await signedCall(connector, { id: keyId, secret }, '/v1/api-keys')).status).toBe(403);

    // Reloaded, the secret is gone for good: the list shows the key, never its secret.
    await open('/api-keys');
    await expect(secretField.count()).resolves.toBe(0);
    const row = page.locator(`tr[data-key-id="${keyId}"]`);
    await expect(row.textContent()).resolves.toContain('Billing server');
    await expect(row.textContent()).resolves.toContain('deliveries:read');
    expect(await page.content()).not.toContain(secret);
    const listed = await api(connector, 'GET', '/api-keys', token);
    expect(listed.text).not.toContain(secret);
    expect(listed.body.items.find((k: { id: string }) => k.id === keyId)).toMatchObject({
      name: 'Billing server',
      privileges: ['exports:read', 'deliveries:read'],
      status: 'active',
    });

    // Revoking asks first, then the key no longer signs anything.
    await page.getByRole('button', { name: 'Revoke Billing server' }).click();
    await confirmInDialog('Revoke key');
    await page.locator(`tr[data-key-id="${keyId}"][data-status="revoked"]`).waitFor();
    expect((await signedCall(connector, { id: keyId, secret }, '/v1/exports')).status).toBe(401);
    expect(errors.join('\n')).toBe('');
  });

  it('refuses an API key without privileges or with a past expiry, beside the field', async () => {
    await open('/api-keys');
    await page.getByLabel('Name', { exact: true }).fill('Nothing');
    await page.getByRole('button', { name: 'Create API key' }).click();
    await page.locator('#privileges-error').waitFor();
    await page.getByLabel('exports:read').check();
    await page.getByLabel('Expires (optional)').fill('2001-01-01T10:00:00');
    await page.getByRole('button', { name: 'Create API key' }).click();
    await page.getByText('Must be in the future').waitFor();
    await expect(page.getByLabel('Secret', { exact: true }).count()).resolves.toBe(0);
    expect(errors.join('\n')).toBe('');
  });

  it('adds a member with a one-time set-password link, changes their role, and removes them', async () => {
    await open('/members');
    const username = `carol-${Date.now()}`;
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Add member' }).click();
    const link = await page.getByLabel('Set-password link').inputValue();
    rememberSecret(link);
    await saveScreenshot(page, 'settings-member-added');
    expect(link).toMatch(new RegExp(`^${connector.baseUrl}/console/set-password#token=pws_`));
    await expect(page.getByText('it is shown only this once').isVisible()).resolves.toBe(true);

    // The link is what the new member needs: they choose a password there and sign in with it.
    const own = await browser.newContext();
    const linkPage = await own.newPage();
    await linkPage.goto(link);
    const password = `pw-${Date.now()}-chosen`;
    rememberSecret(password);
    await linkPage.getByLabel('New password').fill(password);
    await linkPage.getByLabel('Repeat the password').fill(password);
    await linkPage.getByRole('button', { name: 'Set password' }).click();
    await linkPage.locator('#set-password-done').waitFor();
    await own.close();
    const signedIn = await requestToken(connector, { username, password, group: ADMIN.group });
    expect(signedIn.status).toBe(200);
    rememberSecret(String(signedIn.body.token));

    const row = page.locator(`tr[data-username="${username}"]`);
    await row.waitFor();
    await page.getByLabel(`Role of ${username}`, { exact: true }).selectOption('manager');
    await page.getByRole('button', { name: `Save role of ${username}` }).click();
    await page.getByText(`${username} is now a manager`).waitFor();
    const members = await api(connector, 'GET', `/groups/${ADMIN.group}/members`, token);
    expect(members.body.items.find((m: { username: string }) => m.username === username)?.role).toBe('manager');

    // Removal asks first and says the member's live tokens stop working.
    await page.getByRole('button', { name: `Remove ${username}` }).click();
    await expect(page.getByRole('dialog').textContent()).resolves.toContain('tokens for this group stop working');
    await confirmInDialog('Remove member');
    await row.waitFor({ state: 'detached' });
    const after = await api(connector, 'GET', `/groups/${ADMIN.group}/members`, token);
    expect(after.body.items.map((m: { username: string }) => m.username)).not.toContain(username);
    expect(errors.join('\n')).toBe('');
  });

  it('a role change takes effect on the member’s next request', async () => {
    // A token is only ever narrowed to the member's current role (apps/core/auth/authenticate.ts):
    // a demotion shows on the very next request made with the token the member already holds.
    const dana = await signInNewMember(connector, 'manager');
    const exportBody = { name: 'Made by a manager', webhookUrl: 'https://crm.example.com/hook' };
    const before = await api(connector, 'POST', '/exports', dana.token, exportBody);
    expect(before.status).toBe(201);
    rememberSecret(before.body.signingSecret);
    await open('/members');
    await page.getByLabel(`Role of ${dana.username}`, { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: `Save role of ${dana.username}` }).click();
    await page.getByText(`${dana.username} is now a viewer`).waitFor();
    expect((await api(connector, 'POST', '/exports', dana.token, exportBody)).status).toBe(403);
    expect((await api(connector, 'GET', '/exports', dana.token)).status).toBe(200);
    expect(errors.join('\n')).toBe('');
  });

  it('says why the group’s last admin cannot be demoted (409 LAST_ADMIN) and keeps the role', async () => {
    await open('/members');
    await page.getByLabel(`Role of ${ADMIN.username}`, { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: `Save role of ${ADMIN.username}` }).click();
    const alert = page.locator('#page-error');
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toContain('last admin');
    await expect(page.getByLabel(`Role of ${ADMIN.username}`, { exact: true }).inputValue()).resolves.toBe('admin');
    const members = await api(connector, 'GET', `/groups/${ADMIN.group}/members`, token);
    expect(members.body.items.find((m: { username: string }) => m.username === ADMIN.username)?.role).toBe('admin');
    expect(errors.join('\n')).toBe('');
  });

  it('adds a partner whose secret is shown once, and revokes it', async () => {
    await open('/partners');
    await page.getByLabel('Name', { exact: true }).fill('Support portal');
    await page.getByLabel('Role of its users').selectOption('manager');
    await page.getByRole('button', { name: 'Add partner' }).click();
    const secret = await page.getByLabel('Partner secret').inputValue();
    rememberSecret(secret);
    const partnerId = await page.getByLabel('Partner ID').inputValue();
    expect(secret).toMatch(/^psk_/);
    const row = page.locator(`tr[data-partner-id="${partnerId}"]`);
    await expect(row.textContent()).resolves.toContain('manager');

    await open('/partners');
    expect(await page.content()).not.toContain(secret);
    await page.getByRole('button', { name: 'Revoke Support portal' }).click();
    await confirmInDialog('Revoke partner');
    await page.locator(`tr[data-partner-id="${partnerId}"][data-status="revoked"]`).waitFor();
    const listed = await api(connector, 'GET', '/partners', token);
    expect(listed.body.items.find((p: { id: string }) => p.id === partnerId)?.status).toBe('revoked');
    expect(errors.join('\n')).toBe('');
  });

  it('edits trusted origins as rows: a refused entry is shown under its row, a good list is saved normalized', async () => {
    await open('/origins');
    await page.getByRole('button', { name: 'Add origin' }).click();
    await page.getByLabel('Origin 1', { exact: true }).fill('https://App.Example.com:443');
    await page.getByRole('button', { name: 'Add origin' }).click();
    await page.getByLabel('Origin 2', { exact: true }).fill('https://partner.example.com/path');
    await page.getByRole('button', { name: 'Save origins' }).click();
    const rowError = page.getByRole('listitem').filter({ has: page.getByLabel('Origin 2', { exact: true }) });
    await rowError.getByText('without a path').waitFor();
    await saveScreenshot(page, 'settings-origins-refused');
    expect((await api(connector, 'GET', `/groups/${ADMIN.group}/origins`, token)).body.origins).toEqual([]);

    await page.getByLabel('Origin 2', { exact: true }).fill('https://partner.example.com');
    await page.getByRole('button', { name: 'Save origins' }).click();
    await page.getByText('Saved: 2 origins trusted.').waitFor();
    expect((await api(connector, 'GET', `/groups/${ADMIN.group}/origins`, token)).body.origins).toEqual([
      'https://app.example.com',
      'https://partner.example.com',
    ]);
    await expect(page.getByLabel('Origin 1', { exact: true }).inputValue()).resolves.toBe('https://app.example.com');

    await page.getByRole('button', { name: 'Remove origin 1' }).click();
    await page.getByRole('button', { name: 'Save origins' }).click();
    await page.getByText('Saved: 1 origin trusted.').waitFor();
    expect((await api(connector, 'GET', `/groups/${ADMIN.group}/origins`, token)).body.origins).toEqual([
      'https://partner.example.com',
    ]);
    expect(errors.join('\n')).toBe('');
  });

  it('has no axe-core violations and no horizontal scroll at 390 px on any of its pages', async () => {
    for (const path of ['', '/members', '/api-keys', '/partners', '/origins']) {
      for (const width of [1360, 390]) {
        await page.setViewportSize({ width, height: 900 });
        await open(path);
        await saveScreenshot(page, `settings${path.replace('/', '-') || '-index'}-${width}`);
        const violations = await axeViolations(page);
        expect(violations, `${path || '/'} at ${width} px:\n${describeViolations(violations)}`).toEqual([]);
        // A string, evaluated in the page: the test files are typed without the DOM library.
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        expect(overflow, `${path || '/'} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
      }
    }
    await page.setViewportSize({ width: 1360, height: 900 });
    expect(errors.join('\n')).toBe('');
  });

  it('a viewer and a manager see why the pages are read-only, with the controls disabled', async () => {
    for (const role of ['viewer', 'manager'] as const) {
      const member = await signInNewMember(connector, role);
      const own = await browser.newContext({ viewport: { width: 390, height: 900 } });
      const viewerPage = await own.newPage();
      const viewerErrors = collectPageErrors(viewerPage, connector.baseUrl);
      await viewerPage.goto(`${connector.baseUrl}/console/admin/members`);
      await signInOnPage(viewerPage, member);
      await viewerPage.waitForURL('**/console/admin/members');
      const pages = [
        { path: '/members', note: `Only admins can manage members: you are a ${role}.`, button: 'Add member' },
        { path: '/api-keys', note: `Only admins can manage API keys: you are a ${role}.`, button: 'Create API key' },
        { path: '/partners', note: `Only admins can manage partners: you are a ${role}.`, button: 'Add partner' },
        {
          path: '/origins',
          note: `Only admins can change trusted origins: you are a ${role}.`,
          button: 'Save origins',
        },
      ];
      for (const { path, note, button } of pages) {
        await viewerPage.goto(`${connector.baseUrl}/console/admin${path}`);
        await viewerPage.getByText(note).waitFor();
        await viewerPage.getByText(/^Only admins can see /).waitFor();
        await saveScreenshot(viewerPage, `settings${path.replace('/', '-')}-${role}`);
        const control = viewerPage.getByRole('button', { name: button });
        if ((await control.count()) > 0) await expect(control.isDisabled()).resolves.toBe(true);
        const violations = await axeViolations(viewerPage);
        expect(violations, `${path} for a ${role}:\n${describeViolations(violations)}`).toEqual([]);
      }
      expect(viewerErrors.join('\n')).toBe('');
      await own.close();
    }
  });
});
