import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../net/free-port.ts';

export interface EmbeddedRedis {
  /** `redis://[:password@]127.0.0.1:port`: it carries the password, so it is never logged as is. */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Starts the server again after stop(), on the same port, data directory and password. */
  restart(): Promise<void>;
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
 * (one line says so); anywhere else stop with the exact command to run (docs/operations.md).
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

export interface EmbeddedRedisOptions {
  dir: string;
  appendOnly?: boolean;
  /** Clients must AUTH with it (`requirepass`); given to redis-server on stdin, never on its command line. */
  password?: string;
  /** A fixed port (default: a free one). */
  port?: number;
}

/**
 * Starts a private `redis-server` on a free loopback port with its data in `dir` (append-only
 * file on, noeviction as BullMQ requires), and resolves once it answers PING.
 */
export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const binary = findRedisServer();
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (let tries = 0; ; tries++) {
    const port = options.port ?? (await freePort());
    const url = options.password
      ? `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`
      : `redis://127.0.0.1:${port}`;
    const spawnServer = () => spawnRedis(binary, dir, port, options);
    let running = spawnServer();
    try {
      await waitForPing(url, running);
      return {
        url,
        port,
        stop: () => stopChild(running.child),
        restart: async () => {
          await stopChild(running.child);
          running = spawnServer();
          await waitForPing(url, running);
        },
      };
    } catch (error) {
      await stopChild(running.child);
      if (tries >= 3 || options.port !== undefined) {
        throw new Error(`redis-server did not start: ${running.stderr() || (error as Error).message}`);
      }
    }
  }
}

interface RunningRedis {
  child: ChildProcess;
  stderr(): string;
}

function spawnRedis(binary: string, dir: string, port: number, options: EmbeddedRedisOptions): RunningRedis {
  const args = [
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
  ];
  // `-` last: the rest of the configuration comes from stdin (redis-server -h), so the password
  // never shows in the process list the way a --requirepass argument would.
  if (options.password) args.push('-');
  const child = withPrivateUmask(() => spawn(binary, args, { stdio: ['pipe', 'ignore', 'pipe'] }));
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(options.password ? `requirepass ${options.password}\n` : '');
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stderr: () => stderr };
}

/**
 * Runs `spawn` with umask 077, so the files redis-server writes (the append-only file) are 0600
 * like the rest of DATA_DIR. A child inherits its parent's umask at spawn, which is synchronous;
 * where the umask cannot be set (a worker thread) the 0700 directory still keeps them private.
 */
function withPrivateUmask<T>(run: () => T): T {
  let previous: number | undefined;
  try {
    previous = process.umask(0o077);
  } catch {}
  try {
    return run();
  } finally {
    if (previous !== undefined) process.umask(previous);
  }
}

async function waitForPing(url: string, { child }: RunningRedis): Promise<void> {
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
