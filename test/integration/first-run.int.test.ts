import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../apps/core/net/free-port.ts';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../apps/core/redis/embedded.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { requestJson } from '../helpers/http.ts';
import { LogSink, rememberSecret } from '../helpers/log-sink.ts';
import { waitUntil } from '../helpers/wait.ts';

const PASSWORD = 'first admin passphrase';

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run admin -- …` as its bundle runs it, from source: a real process, stdin piped in. */
function adminCommand(args: string[], env: Record<string, string>, stdin: string): Promise<Finished> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  child.stdin.end(stdin);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('first run: no member yet', () => {
  let dataDir: string;
  let redis: EmbeddedRedis;
  let database: TestDatabase;
  let connector: ChildProcess;
  let baseUrl: string;
  let env: Record<string, string>;
  const logs = new LogSink('first-run');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'connector-first-run-'));
    redis = await startEmbeddedRedis({ dir: join(dataDir, 'redis') });
    database = await createTestDatabase();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = { DATA_DIR: dataDir, DATABASE_URL: database.url };
    // The connector as `npm run start:api` runs it, with no BOOTSTRAP_* variable.
    connector = spawn(process.execPath, ['--import', 'tsx', 'apps/main.ts', '--api'], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        REDIS_URL: redis.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: baseUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    connector.stdout?.pipe(logs);
    connector.stderr?.on('data', (chunk: Buffer) => logs.write(chunk));
    await waitUntil(() => logs.text().includes('connector started'), {
      what: 'the connector to start',
      timeoutMs: 60_000,
      detail: () => logs.text().slice(-2000),
    });
  }, 90_000);

  afterAll(async () => {
    if (connector && connector.exitCode === null) {
      const exited = new Promise((resolve) => connector.once('exit', resolve));
      connector.kill('SIGTERM');
      await exited;
    }
    await redis?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the start log says, in one line, how to create the first admin', async () => {
    const hints = () =>
      logs
        .text()
        .split('\n')
        .filter((line) => line.includes('npm run admin -- create <group> <username>'));
    await waitUntil(() => hints().length, { what: 'the first-run hint in the start log', timeoutMs: 10_000 });
    expect(hints()).toHaveLength(1);
    const line = JSON.parse(hints()[0] as string);
    expect(line).toMatchObject({ level: 40 });
    expect(line.msg).toContain('BOOTSTRAP_GROUP');
  });

  it('the sign-in page says the same', async () => {
    const page = await fetch(`${baseUrl}/console/sign-in`);
    const text = await page.text();
    expect(text).toContain('First run: no member exists yet.');
    expect(text).toContain('npm run admin -- create &lt;group&gt; &lt;username&gt;');
  });

  it('`admin create` refuses a weak or empty password and creates nothing', async () => {
    const empty = await adminCommand(['create', 'acme', 'alice'], env, '\n');
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain('The password is empty');
    const short = await adminCommand(['create', 'acme', 'alice', '--password-stdin'], env, 'short\n');
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain('The password is too short');
    const signIn = await requestJson('POST', `${baseUrl}/v1/auth/token`, {
      body: { group: 'acme', username: 'alice', password: 'short' },
    });
    expect(signIn.status).toBe(401);
  }, 60_000);

  it('`admin create` with a piped password creates the group and its admin, who can sign in', async () => {
    rememberSecret(PASSWORD);
    const created = await adminCommand(['create', 'acme', 'alice'], env, `${PASSWORD}\n`);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('Created alice, admin of the new group "acme"');

    const signIn = await requestJson('POST', `${baseUrl}/v1/auth/token`, {
      body: { group: 'acme', username: 'alice', password: PASSWORD },
    });
    expect(signIn.status).toBe(200);
    rememberSecret(signIn.body.token);
    const me = await requestJson('GET', `${baseUrl}/v1/groups/acme/members`, { token: signIn.body.token });
    expect(me.status).toBe(200);
    expect(me.body.items).toEqual([expect.objectContaining({ username: 'alice', role: 'admin' })]);

    // The sign-in page's note goes once a member exists (its check is cached a few seconds).
    await waitUntil(async () => !(await (await fetch(`${baseUrl}/console/sign-in`)).text()).includes('First run'), {
      what: 'the first-run note to go',
      timeoutMs: 15_000,
    });
  }, 60_000);

  it('`admin create` refuses a username already taken, with a clear line and a non-zero exit', async () => {
    const again = await adminCommand(['create', 'acme', 'alice'], env, 'another good passphrase\n');
    expect(again.code).not.toBe(0);
    expect(again.stderr.trim()).toBe('The username "alice" is already taken in the group "acme": nothing was changed.');
    // The first password still signs in: nothing was changed.
    const signIn = await requestJson('POST', `${baseUrl}/v1/auth/token`, {
      body: { group: 'acme', username: 'alice', password: PASSWORD },
    });
    expect(signIn.status).toBe(200);
    rememberSecret(signIn.body.token);
  }, 60_000);
});
