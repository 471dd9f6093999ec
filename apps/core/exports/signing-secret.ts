import { randomBytes } from 'node:crypto';
import { secretContext } from '../crypto/contexts.ts';
import type { Deps } from '../deps.ts';

/** How long a rotated-out signing secret keeps signing beside the new one (docs/api/exports.md). */
export const PREVIOUS_SECRET_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * A Standard Webhooks signing secret: `whsec_` and the base64 of 24 random bytes (192 bits), the
 * format receivers' libraries (`standardwebhooks`, Svix) accept as is.
 */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** The export's current signing secret and, within 24 h of a rotation, the previous one (decrypted). */
export interface SigningSecrets {
  current: string;
  previous: string | null;
}

/** Decrypts an export's signing secrets; the previous one only while it is still valid. */
export function signingSecretsOf(
  deps: Pick<Deps, 'secretBox' | 'clock'>,
  row: {
    id: string;
    signingSecretEnc: string;
    previousSigningSecretEnc: string | null;
    previousSecretExpiresAt: Date | null;
  },
): SigningSecrets {
  const stillValid = row.previousSecretExpiresAt && row.previousSecretExpiresAt > deps.clock.now();
  return {
    current: deps.secretBox.decrypt(row.signingSecretEnc, secretContext.webhookSigningSecret(row.id)),
    previous: stillValid
      ? deps.secretBox.decryptOptional(row.previousSigningSecretEnc, secretContext.previousWebhookSigningSecret(row.id))
      : null,
  };
}
