import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, type TestApiKey } from '../helpers/api-keys.ts';
import { startConnector, type TestConnector } from '../helpers/connector.ts';
import { rememberSecret } from '../helpers/log-sink.ts';

/** The shell block the README marks with `<!-- example: name … -->`, minus its placeholder assignments. */
function readmeExample(name: string): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf(`<!-- example: ${name} `);
  if (start === -1) throw new Error(`README has no example "${name}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start))?.[1];
  if (!block) throw new Error(`README example "${name}" has no sh block`);
  return block
    .split('\n')
    .filter((line) => !line.startsWith('KEY_ID='))
    .join('\n');
}

/**
 * Runs a README block with bash, curl and openssl, as a user would paste it (asynchronously: the
 * connector answering curl runs in this process).
 */
async function runExample(name: string, env: Record<string, string>): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', readmeExample(name)], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('the README’s copy-paste authentication examples work as written', () => {
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
