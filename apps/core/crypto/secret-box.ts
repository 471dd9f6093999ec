import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors.ts';

/**
 * AES-256-GCM encryption of secrets at rest. Each ciphertext carries the id of the key that made
 * it ("v1.<keyId>.<iv>.<tag>.<data>", base64url), so keys can rotate: new writes use the current
 * key, older rows still decrypt with a previous one. The optional `context` is bound as
 * additional authenticated data, so a ciphertext copied into another row or column fails.
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  constructor(currentKey: Buffer, previousKeys: Buffer[] = []) {
    for (const key of [currentKey, ...previousKeys]) {
      if (key.length !== 32) throw new Error('encryption keys must be 32 bytes');
      this.keys.set(keyIdOf(key), key);
    }
    this.currentKeyId = keyIdOf(currentKey);
  }

  /** Encrypts a UTF-8 string. */
  encrypt(plaintext: string, context = ''): string {
    const key = this.keys.get(this.currentKeyId) as Buffer;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url'));
    return ['v1', this.currentKeyId, ...parts].join('.');
  }

  /** Decrypts what `encrypt` made; throws SECRET_UNREADABLE when the key is gone or data altered. */
  decrypt(ciphertext: string, context = ''): string {
    const [version, keyId, iv, tag, data] = ciphertext.split('.');
    const key = keyId ? this.keys.get(keyId) : undefined;
    if (version !== 'v1' || !key || !iv || !tag || data === undefined) {
      throw new AppError('SECRET_UNREADABLE', 'A stored secret cannot be decrypted with the configured keys', 500);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new AppError('SECRET_UNREADABLE', 'A stored secret failed its integrity check', 500, { cause });
    }
  }

  /** Encrypts unless null/undefined. */
  encryptOptional(plaintext: string | null | undefined, context = ''): string | null {
    return plaintext == null ? null : this.encrypt(plaintext, context);
  }

  /** Decrypts unless null/undefined. */
  decryptOptional(ciphertext: string | null | undefined, context = ''): string | null {
    return ciphertext == null ? null : this.decrypt(ciphertext, context);
  }
}

function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}
