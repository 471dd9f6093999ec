import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type ConsoleMessage, type Page } from 'playwright-core';
import { ARTIFACTS_DIR } from './log-sink.ts';

/** Debian's Chromium (`apt-get install -y chromium`; `.ci/run` installs it). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launches headless Chromium with the flags that work on these machines (docs/field-notes.md): as
 * root it needs --no-sandbox, and without the background-networking flags Chromium's own
 * connections fail against the closed network, many at a time. Playwright gives every launch a
 * fresh temporary profile (user data dir).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Collects what would show in the developer console as errors on pages of `origin`: uncaught
 * exceptions, Content-Security-Policy refusals (Chromium reports them as console errors), and
 * answers of 500 and above or a missing asset. API refusals the test provokes on purpose (a 400
 * with field errors) and the CRM's own pages are not the console's errors.
 */
export function collectPageErrors(page: Page, origin: string): string[] {
  const errors: string[] = [];
  const ours = (url: string) => url.startsWith(origin);
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error' || !ours(message.location().url)) return;
    if (message.text().startsWith('Failed to load resource')) return;
    errors.push(message.text());
  });
  page.on('response', (response) => {
    const url = response.url();
    if (!ours(url)) return;
    if (response.status() >= 500 || (response.status() === 404 && url.includes('/assets/'))) {
      errors.push(`${response.status()} ${url}`);
    }
  });
  return errors;
}

/** Saves a full-page screenshot under test-artifacts/screenshots/ (gitignored) and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = join(ARTIFACTS_DIR, 'screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
