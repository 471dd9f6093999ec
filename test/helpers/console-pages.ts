import type { Locator, Page } from 'playwright-core';

/**
 * Steps a manager takes in the console and on the CRM's pages, driven through Chromium by the
 * labels and roles a person sees (the labels docs/console.md names), shared by the console's browser tests.
 */

/** Fills the sign-in form (choosing the group when the console asks for one) and submits it. */
export async function signInOnPage(
  page: Page,
  member: { username: string; password: string; group?: string },
): Promise<void> {
  await page.getByLabel('Username').fill(member.username);
  await page.getByLabel('Password').fill(member.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (!member.group) return;
  const groupField = page.getByLabel('Group');
  const asked = await Promise.race([
    groupField.waitFor({ state: 'visible' }).then(() => true),
    page.waitForURL((url) => !url.pathname.startsWith('/console/sign-in')).then(() => false),
  ]);
  if (!asked) return;
  await groupField.selectOption(member.group);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Inside the CRM's popup (or tab): the oidc-provider's development login (skipped when the CRM
 * session already exists), then its consent page, where the user allows ("Continue") or
 * declines ("[ Cancel ]", which answers `error=access_denied`).
 */
export async function consentAtProvider(crm: Page, options: { deny?: boolean } = {}): Promise<void> {
  const login = crm.locator('input[name="login"]');
  const allow = crm.getByRole('button', { name: 'Continue' });
  await login.or(allow).first().waitFor();
  if (await login.isVisible()) {
    await login.fill('crm-user');
    await crm.locator('input[name="password"]').fill('any password');
    await crm.getByRole('button', { name: 'Sign-in' }).click();
  }
  await allow.waitFor();
  if (options.deny) await crm.getByRole('link', { name: '[ Cancel ]' }).click();
  else await allow.click();
}

/** The message beside "Configure OAuth" once it shows a final status. */
export function oauthResult(page: Page, status: string): Locator {
  return page.locator(`#oauth-result[data-status="${status}"]`);
}

/** Fills the "Configure OAuth" form by its labels. */
export async function fillOAuthForm(
  page: Page,
  config: {
    authorizationUrl: string;
    tokenUrl: string;
    clientId: string;
    clientSecret?: string;
    scopes: string;
    issuer?: string;
  },
): Promise<void> {
  await page.getByLabel('Authorization URL').fill(config.authorizationUrl);
  await page.getByLabel('Access Token URL').fill(config.tokenUrl);
  await page.getByLabel('Client ID').fill(config.clientId);
  if (config.clientSecret !== undefined) await page.getByLabel('Client Secret').fill(config.clientSecret);
  await page.getByLabel('Scopes').fill(config.scopes);
  if (config.issuer !== undefined) await page.getByLabel('Issuer (optional)').fill(config.issuer);
}

/** Creates an export through the "New export" page and returns its id and the signing secret shown once. */
export async function createExportOnPage(
  page: Page,
  baseUrl: string,
  input: { name: string; webhookUrl: string },
): Promise<{ id: string; signingSecret: string }> {
  if (new URL(page.url()).pathname !== '/console/exports/new') await page.goto(`${baseUrl}/console/exports/new`);
  await page.getByLabel('Name').fill(input.name);
  await page.getByLabel('Webhook URL').fill(input.webhookUrl);
  await page.getByRole('button', { name: 'Create export' }).click();
  const signingSecret = await page.getByLabel('Signing secret').inputValue();
  await page.getByRole('link', { name: 'Continue to Configure OAuth' }).click();
  await page.waitForURL(/\/console\/exports\/exp_/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
  await page.locator('#oauth-result[data-status]').waitFor();
  return { id, signingSecret };
}

/** Presses "Authorize Export" and returns the popup it opens on the CRM's sign-in. */
export async function pressAuthorizeExport(page: Page): Promise<Page> {
  const [popup] = await Promise.all([
    page.waitForEvent('popup'),
    page.getByRole('button', { name: 'Authorize Export' }).click(),
  ]);
  return popup;
}
