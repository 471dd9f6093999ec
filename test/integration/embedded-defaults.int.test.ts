import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authTokenKey } from '../../apps/core/auth/tokens/tokens.ts';
import { loadConfig } from '../../apps/core/config.ts';
import { createDeps, type Deps } from '../../apps/core/deps.ts';
import { createLogger } from '../../apps/core/logger.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { api, requestJson } from '../helpers/http.ts';
import { LogSink, rememberSecret } from '../helpers/log-sink.ts';
import { startWorkerProcess } from '../helpers/worker-process.ts';

/** Every directory and file under `root` with its permission bits (root included). */
function modesUnder(root: string): { path: string; dir: boolean; mode: number }[] {
  const found: { path: string; dir: boolean; mode: number }[] = [];
  const visit = (path: string) => {
    const stat = statSync(path);
    found.push({ path, dir: stat.isDirectory(), mode: stat.mode & 0o777 });
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
  };
  visit(root);
  return found;
}

/** Sends one inline command to Redis on loopback and resolves with the first line of its reply. */
function rawRedisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    let reply = '';
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.slice(0, reply.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
  });
}

describe('the embedded defaults (REDIS_URL, DATABASE_URL and the keys unset) are private', () => {
  let parent: string;
  let dataDir: string;
  let deps: Deps;
  const logs = new LogSink('embedded-defaults');

  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), 'connector-embedded-'));
    // A DATA_DIR that does not exist yet: the connector creates it, whatever the umask says.
    dataDir = join(parent, 'data');
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'debug' });
    deps = await createDeps(config, { logger: createLogger('debug', logs) });
    const passwordFile = join(dataDir, 'redis', 'password');
    if (existsSync(passwordFile)) rememberSecret(readFileSync(passwordFile, 'utf8').trim());
    rememberSecret(new URL(deps.redisUrl).password);
  });
  afterAll(async () => {
    await deps?.close();
    rmSync(parent, { recursive: true, force: true });
  });

  it('starts redis-server with a password it generated, kept beside the dev keys', async () => {
    const password = readFileSync(join(dataDir, 'redis', 'password'), 'utf8').trim();
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    const url = new URL(deps.redisUrl);
    expect(decodeURIComponent(url.password)).toBe(password);
    expect(await deps.redis.ping()).toBe('PONG');

    // Any local user can reach a loopback port: without the password Redis refuses every command
    // (a plain RESP request, as any client on the machine could send; ioredis would say HELLO first).
    expect(await rawRedisCommand(Number(url.port), 'GET anything')).toMatch(/^-NOAUTH/);
    expect(await rawRedisCommand(Number(url.port), 'AUTH not-the-password')).toMatch(/^-WRONGPASS/);
    expect(await rawRedisCommand(Number(url.port), `AUTH ${password}`)).toBe('+OK');

    // Given to redis-server on stdin: no process shows it on its command line.
    for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue; // the process ended meanwhile
      }
      expect(cmdline).not.toContain(password);
    }
    // Nor in the logs (the URL is logged with its password masked).
    expect(logs.text()).toContain('started an embedded redis-server');
    expect(logs.text()).not.toContain(password);
  });

  it('lets start:workers on the same DATA_DIR share that redis-server through endpoint.json', async () => {
    const workers = startWorkerProcess('embedded-defaults-workers', {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    });
    try {
      await workers.started;
      expect(workers.logs.text()).toContain('using the embedded redis-server another connector process started');
      expect(workers.logs.text()).not.toContain(new URL(deps.redisUrl).password);
    } finally {
      await workers.kill('SIGTERM');
    }
    const endpoint = JSON.parse(readFileSync(join(dataDir, 'redis', 'endpoint.json'), 'utf8')) as { url: string };
    expect(endpoint.url).toBe(deps.redisUrl);
  });

  it('keeps DATA_DIR and everything in it to this user: directories 0700, files 0600', async () => {
    // The database and Redis have written something by now (migrations, the append-only file).
    await deps.redis.set('embedded-defaults:written', '1');
    for (const name of ['keys.json', 'connector.db', 'redis/password', 'redis/endpoint.json']) {
      expect(existsSync(join(dataDir, name)), name).toBe(true);
    }
    const modes = modesUnder(dataDir);
    const open = modes
      .filter(({ dir, mode }) => (dir ? mode !== 0o700 : mode !== 0o600))
      .map(({ path, mode }) => `${path.slice(dataDir.length) || '/'} ${mode.toString(8)}`);
    expect(open).toEqual([]);
    expect(modes.find((m) => m.path === dataDir)?.mode).toBe(0o700);
  });
});

describe('tokens, TRUST_PROXY and METRICS_TOKEN', () => {
  const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
  let connector: TestConnector;
  let untrusting: TestConnector;
  let token: string;

  beforeAll(async () => {
    rememberSecret(METRICS_TOKEN);
    rememberSecret(ADMIN.password);
    // TRUST_PROXY left at its default (loopback).
    connector = await startConnector({ workers: false, env: { METRICS_TOKEN } });
    untrusting = await startConnector({ workers: false, env: { TRUST_PROXY: 'false' } });
    token = await connector.adminToken();
    rememberSecret(token);
  });
  afterAll(async () => {
    await untrusting?.close();
    await connector?.close();
  });

  const listExports = (bearer: string) => api(connector, 'GET', '/exports', bearer);

  /** A token signed with the connector's real key (as only a holder of TOKEN_SIGNING_KEY could), with the given times. */
  async function forged(times: { iat: number; exp: number }): Promise<string> {
    // The token's own claims (tokens.ts): `i` issued at in milliseconds, `m` lifetime in minutes.
    const claims = decodeJwt(token);
    const signed = await new SignJWT({ ...claims, i: times.iat * 1000, m: (times.exp - times.iat) / 60 })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(authTokenKey(connector.deps.tokenSigningKey));
    rememberSecret(signed);
    return signed;
  }

  it('refuses a validly signed token issued in the future or living longer than 120 minutes', async () => {
    const now = Math.floor(Date.now() / 1000);
    // The same claims with ordinary times pass: what is refused below is the times alone.
    expect((await listExports(await forged({ iat: now, exp: now + 20 * 60 }))).status).toBe(200);

    for (const times of [
      { iat: now + 10 * 60, exp: now + 30 * 60 }, // issued ten minutes from now
      { iat: now - 60, exp: now - 60 + 121 * 60 }, // a 121-minute lifetime
    ]) {
      const res = await listExports(await forged(times));
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    }
  });

  /** The addresses the audit log recorded for sign-ins since `since`. */
  async function auditedAddresses(of: TestConnector, since: Date): Promise<(string | null)[]> {
    const rows = await of.deps.db.auditLog.findMany({ where: { createdAt: { gte: since } }, select: { ip: true } });
    return rows.map((row) => row.ip);
  }

  const signIn = (of: TestConnector, forwardedFor: string) =>
    requestJson('POST', `${of.baseUrl}/v1/auth/token`, { headers: { 'x-forwarded-for': forwardedFor }, body: ADMIN });

  /** A revoked token posted to the engagement lane (outside Express): its refusal is audited with the client address. */
  async function revokedTokenAtTheLane(of: TestConnector, forwardedFor: string): Promise<void> {
    const res = await signIn(of, '127.0.0.1');
    const revoked = (res.body as { token: string }).token;
    rememberSecret(revoked);
    const logout = await api(of, 'POST', '/auth/logout', revoked);
    expect(logout.status).toBeLessThan(300);
    const body = JSON.stringify({ id: 'trust-proxy-check' });
    const refused = await fetch(`${of.baseUrl}/v1/engagements`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${revoked}`,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'x-forwarded-for': forwardedFor,
      },
      body,
    });
    expect(refused.status).toBe(401);
  }

  it('takes the client address from X-Forwarded-For only from a trusted proxy (default: loopback)', async () => {
    const since = new Date(Date.now() - 1000);
    expect((await signIn(connector, '203.0.113.7')).status).toBe(200);
    await revokedTokenAtTheLane(connector, '203.0.113.8');
    const trusted = await auditedAddresses(connector, since);
    expect(trusted).toContain('203.0.113.7');
    expect(trusted).toContain('203.0.113.8');
  });

  it('ignores X-Forwarded-For with TRUST_PROXY=false, in Express and in the engagement lane', async () => {
    const since = new Date(Date.now() - 1000);
    expect((await signIn(untrusting, '203.0.113.9')).status).toBe(200);
    await revokedTokenAtTheLane(untrusting, '203.0.113.10');
    const addresses = (await auditedAddresses(untrusting, since)).filter((ip) => ip !== null);
    expect(addresses.length).toBeGreaterThanOrEqual(2);
    expect(addresses, JSON.stringify(addresses)).toSatisfy((all: (string | null)[]) =>
      all.every((ip) => ip === '127.0.0.1' || ip === '::ffff:127.0.0.1'),
    );
  });

  it('guards /metrics with METRICS_TOKEN when it is set', async () => {
    const metrics = (authorization?: string) =>
      fetch(`${connector.baseUrl}/metrics`, { headers: authorization ? { authorization } : {} });
    const without = await metrics();
    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await metrics(`Bearer ${METRICS_TOKEN}x`)).status).toBe(401);
    expect((await metrics(`Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`)).status).toBe(401);
    const granted = await metrics(`Bearer ${METRICS_TOKEN}`);
    expect(granted.status).toBe(200);
    expect(await granted.text()).toContain('# TYPE');
    // Unset, /metrics stays open as before.
    expect((await fetch(`${untrusting.baseUrl}/metrics`)).status).toBe(200);
  });
});
