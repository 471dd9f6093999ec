import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, type TestApiKey } from '../helpers/api-keys.ts';
import { startConnector, type TestConnector } from '../helpers/connector.ts';
import { authorizeWithProvider, providerHonours } from '../helpers/deliveries.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** README.md and every Markdown page under docs/: where the runnable examples live. */
function documentationPages(): string[] {
  const pages = ['README.md'];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) pages.push(path);
    }
  };
  walk('docs');
  return pages;
}

/**
 * The shell block marked `<!-- example: name … -->`, on whichever page holds it (exactly one must),
 * minus the lines that assign a placeholder the test supplies in `env` (`KEY_ID=apk_…`,
 * `CONNECTOR=http://localhost:3000` …): a user edits those lines, the test replaces them.
 */
function example(name: string, env: Record<string, string>): string {
  const marker = `<!-- example: ${name} `;
  const pages = documentationPages().filter((page) => readFileSync(join(ROOT, page), 'utf8').includes(marker));
  if (pages.length !== 1)
    throw new Error(`example "${name}" is on ${pages.length} pages (${pages.join(', ')}), not one`);
  const text = readFileSync(join(ROOT, pages[0] as string), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(text.indexOf(marker)))?.[1];
  if (!block) throw new Error(`example "${name}" in ${pages[0]} has no sh block`);
  return block
    .split('\n')
    .filter((line) => {
      const assigned = /^([A-Z_][A-Z0-9_]*)=/.exec(line)?.[1];
      return assigned === undefined || !(assigned in env);
    })
    .join('\n');
}

/** Runs `script` with bash, as a user would paste it (asynchronously: the connector runs in this process). */
async function bash(script: string, env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return stdout;
}

/** Runs an example and parses what it printed as one JSON value. */
async function runExample(name: string, env: Record<string, string>): Promise<Record<string, unknown>> {
  return JSON.parse(await bash(example(name, env), env)) as Record<string, unknown>;
}

/**
 * Runs one step of a walk whose blocks build on each other's shell variables (`TOKEN`,
 * `EXPORT_ID` …): `set -a` exports every variable the block assigns, and the environment it ends
 * with is the next step's. Answers what the block printed (JSON, or null) and that environment.
 */
async function runStep(
  name: string,
  env: Record<string, string>,
): Promise<{ answer: Record<string, unknown> | null; env: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'readme-walk-'));
  try {
    const stateFile = join(dir, 'env');
    const stdout = await bash(`set -a\n${example(name, env)}\nenv -0 > '${stateFile}'`, env);
    const after = Object.fromEntries(
      readFileSync(stateFile, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
    );
    return { answer: stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : null, env: after };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the copy-paste authentication examples work as written', () => {
  let connector: TestConnector;
  let key: TestApiKey;

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    const adminToken = await connector.adminToken();
    rememberSecret(adminToken);
    key = await createApiKey(connector, adminToken, { privileges: ['engagements:write'] });
  });
  afterAll(async () => connector?.close());

  const env = () => ({ KEY_ID: key.id, SECRET: key.secret, CONNECTOR: connector.baseUrl });

  it('signs a POST of an engagement with openssl and curl', async () => {
    const answer = await runExample('signed-curl', env());
    expect(answer).toMatchObject({ engagementId: expect.any(String) });
  });

  it('makes a login key with openssl and exchanges it for a token', async () => {
    const answer = await runExample('login-key-curl', env());
    rememberSecret(String(answer.token));
    expect(answer).toMatchObject({ group: 'acme', role: null, privileges: ['engagements:write'] });
  });
});

describe('the README’s five-minute walk delivers an engagement as written', () => {
  // The password the walk's start command gives BOOTSTRAP_ADMIN_PASSWORD.
  const WALK_PASSWORD = 'a long password';
  let connector: TestConnector;
  let provider: TestOidcProvider;
  let receiver: WebhookReceiver;
  let signingSecret = '';

  beforeAll(async () => {
    connector = await startConnector({ env: { BOOTSTRAP_ADMIN_PASSWORD: WALK_PASSWORD } });
    provider = await startOidcProvider({ redirectUri: connector.deps.config.redirectUri });
    receiver = await startWebhookReceiver({ secrets: () => [signingSecret], acceptToken: providerHonours(provider) });
  });
  afterAll(async () => {
    await receiver?.close();
    await provider?.close();
    await connector?.close();
  });

  it('signs in, creates an export, configures and authorizes OAuth, posts an engagement and sees it delivered', async () => {
    const crm = provider.oauthConfig();
    // The values a reader fills in: their connector, their CRM's webhook and OAuth client.
    let env: Record<string, string> = {
      CONNECTOR: connector.baseUrl,
      WEBHOOK_URL: receiver.url,
      AUTHORIZATION_URL: String(crm.authorizationUrl),
      TOKEN_URL: String(crm.tokenUrl),
      CLIENT_ID: String(crm.clientId),
      CLIENT_SECRET: String(crm.clientSecret),
      SCOPES: (crm.scopes as string[]).join(' '),
    };

    ({ env } = await runStep('walk-sign-in', env));
    rememberSecret(env.TOKEN);
    expect(env.TOKEN).toMatch(/^eyJ/);

    const exported = await runStep('walk-export', env);
    env = exported.env;
    signingSecret = String(exported.answer?.signingSecret);
    rememberSecret(signingSecret);
    expect(exported.answer).toEqual({ id: env.EXPORT_ID, status: 'not_configured', signingSecret: expect.any(String) });
    expect(signingSecret).toMatch(/^whsec_/);

    const configured = await runStep('walk-oauth', env);
    expect(configured.answer).toEqual({ clientSecretSet: true, redirectUri: connector.deps.config.redirectUri });

    // Step 5 happens in a browser: the manager presses Authorize Export and consents at the CRM.
    await authorizeWithProvider(connector, String(env.TOKEN), String(env.EXPORT_ID), provider, { configure: false });
    const status = await runStep('walk-status', env);
    expect(status.answer).toMatchObject({ status: 'authorized' });

    const posted = await runStep('walk-engagement', env);
    expect(posted.answer).toMatchObject({
      id: 'eng-1001',
      duplicate: false,
      deliveries: [{ exportId: env.EXPORT_ID, status: 'pending' }],
    });

    let delivery: Record<string, unknown> | null = null;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      delivery = (await runStep('walk-deliveries', env)).answer;
      if (delivery?.status === 'delivered') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(delivery).toMatchObject({ status: 'delivered', attemptCount: 1, lastStatusCode: 200 });
    expect(receiver.received.map((request) => request.body.data)).toEqual([
      { id: 'eng-1001', channel: 'chat', transcript: 'Hello!' },
    ]);
  });
});
