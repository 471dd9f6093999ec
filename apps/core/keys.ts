import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from './config.ts';

export interface Keys {
  encryptionKey: Buffer;
  tokenSigningKey: Uint8Array;
}

// DATA_DIR holds what the embedded defaults need: the development keys, the embedded Redis'
// password and data, the SQLite database. None of it is for other users of the machine: the
// directories are 0700 and the files 0600, whatever the umask.
const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** Creates a directory (and its parents) for this user only, and takes group and other access off it. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  tighten(dir, PRIVATE_DIR);
}

/** Writes a file readable by this user only (an existing file is tightened as well as rewritten). */
export function writePrivateFile(file: string, content: string): void {
  writeFileSync(file, content, { mode: PRIVATE_FILE });
  tighten(file, PRIVATE_FILE);
}

/** Creates an empty file readable by this user only when missing, and tightens it when present. */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE));
  tighten(file, PRIVATE_FILE);
}

/** Makes a file 0600 when it exists (one owned by someone else is left as it is). */
export function tightenIfPresent(path: string): void {
  if (existsSync(path)) tighten(path, PRIVATE_FILE);
}

function tighten(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (error) {
    // EPERM: not ours to change (a directory the operator provides); its owner decides.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  }
}

/**
 * The encryption and token-signing keys: from the environment, or (outside production) generated
 * once into `$DATA_DIR/keys.json` with mode 0600 so restarts keep reading what was written.
 */
export function resolveKeys(config: Config, warn: (message: string) => void): Keys {
  let encryption = config.ENCRYPTION_KEY;
  let signing = config.TOKEN_SIGNING_KEY;
  if (!encryption || !signing) {
    const file = join(config.DATA_DIR, 'keys.json');
    let stored: { ENCRYPTION_KEY?: string; TOKEN_SIGNING_KEY?: string } = {};
    ensurePrivateDir(config.DATA_DIR);
    if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8'));
    const missing = !stored.ENCRYPTION_KEY || !stored.TOKEN_SIGNING_KEY;
    stored.ENCRYPTION_KEY ??= randomBytes(32).toString('base64');
    stored.TOKEN_SIGNING_KEY ??= randomBytes(48).toString('base64url');
    if (missing) {
      writePrivateFile(file, `${JSON.stringify(stored, null, 2)}\n`);
      warn(`ENCRYPTION_KEY / TOKEN_SIGNING_KEY not set: generated development keys into ${file}`);
    } else {
      tightenIfPresent(file);
      warn(`ENCRYPTION_KEY / TOKEN_SIGNING_KEY not set: using the development keys in ${file}`);
    }
    encryption ??= stored.ENCRYPTION_KEY;
    signing ??= stored.TOKEN_SIGNING_KEY;
  }
  return {
    encryptionKey: Buffer.from(encryption, 'base64'),
    tokenSigningKey: new TextEncoder().encode(signing),
  };
}

/**
 * The embedded redis-server's password (used when REDIS_URL is unset): generated once into
 * `$DATA_DIR/redis/password` (0600) beside the development keys, so that every connector process
 * on this DATA_DIR (start:api, start:workers) can reach it and nobody else on the machine can.
 */
export function embeddedRedisPassword(redisDir: string): string {
  ensurePrivateDir(redisDir);
  const file = join(redisDir, 'password');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{32,}$/.test(stored)) {
      tightenIfPresent(file);
      return stored;
    }
  }
  // Hex: safe in a redis:// URL and in redis.conf without quoting.
  const password = randomBytes(32).toString('hex');
  writePrivateFile(file, `${password}\n`);
  return password;
}
