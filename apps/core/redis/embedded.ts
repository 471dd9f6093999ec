import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../net/free-port.ts';

export interface EmbeddedRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const INSTALL_COMMAND = 'apt-get update && apt-get install -y redis-server';

function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  for (const candidate of [`/usr/bin/${binary}`, `/usr/sbin/${binary}`]) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/**
 * The `redis-server` binary. Where it is missing: as root with apt-get, install Debian's package
 * (one line says so); anywhere else stop with the exact command to run (CONTRACT: embedded defaults).
 */
export function findRedisServer(say: (line: string) => void = console.error): string {
  const found = onPath('redis-server');
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && onPath('apt-get')) {
    say(`redis-server is not installed: installing Debian's redis-server (${INSTALL_COMMAND})`);
    execFileSync('sh', ['-c', `(${INSTALL_COMMAND}) >/dev/null`], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    const installed = onPath('redis-server');
    if (installed) return installed;
  }
  throw new Error(
    `redis-server is not installed and REDIS_URL is not set. Install it with: sudo ${INSTALL_COMMAND} (or set REDIS_URL to a Redis 6.2+)`,
  );
}

/**
 * Starts a private `redis-server` on a free loopback port with its data in `dir` (append-only
 * file on, noeviction as BullMQ requires), and resolves once it answers PING.
 */
export async function startEmbeddedRedis(options: { dir: string; appendOnly?: boolean }): Promise<EmbeddedRedis> {
  const binary = findRedisServer();
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  for (let tries = 0; ; tries++) {
    const port = await freePort();
    const child = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        options.appendOnly === false ? 'no' : 'yes',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
        '--protected-mode',
        'yes',
        '--loglevel',
        'warning',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = `redis://127.0.0.1:${port}`;
    try {
      await waitForPing(url, child);
      return { url, port, stop: () => stopChild(child) };
    } catch (error) {
      await stopChild(child);
      if (tries >= 3) throw new Error(`redis-server did not start: ${stderr || (error as Error).message}`);
    }
  }
}

async function waitForPing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    } finally {
      probe.disconnect();
    }
  }
  throw new Error('redis-server did not answer PING within 10 s');
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
