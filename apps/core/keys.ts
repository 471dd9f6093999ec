import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from './config.ts';

export interface Keys {
  encryptionKey: Buffer;
  tokenSigningKey: Uint8Array;
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
    if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8'));
    const missing = !stored.ENCRYPTION_KEY || !stored.TOKEN_SIGNING_KEY;
    stored.ENCRYPTION_KEY ??= randomBytes(32).toString('base64');
    stored.TOKEN_SIGNING_KEY ??= randomBytes(48).toString('base64url');
    if (missing) {
      mkdirSync(config.DATA_DIR, { recursive: true });
      writeFileSync(file, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
      warn(`ENCRYPTION_KEY / TOKEN_SIGNING_KEY not set: generated development keys into ${file}`);
    } else {
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
