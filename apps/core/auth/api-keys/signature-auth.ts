import { recordAudit } from '../../audit.ts';
import type { Deps } from '../../deps.ts';
import { unauthorized } from '../../errors.ts';
import type { Privilege } from '../../groups/roles.ts';
import { loadUsableKey, touchApiKey } from './api-keys.ts';
import { claimOnce } from '../nonces.ts';
import {
  expectedSignature,
  NONCE_TTL_SECONDS,
  parseSignatureHeader,
  SIGNATURE_REFUSAL_MESSAGES,
  type SignatureRefusal,
  signatureMatches,
  timestampInWindow,
} from './signature.ts';

/** One request as the signature covers it. */
export interface SignedRequest {
  /** Everything after `Signature ` in the Authorization header. */
  credentials: string;
  method: string;
  /** Path and query exactly as received (Express `req.originalUrl`). */
  target: string;
  /** The exact body bytes (undefined: no body, signed as the empty string). */
  body: Buffer | undefined;
  ip: string | undefined;
}

/** The API key a valid signature proves. */
export interface SignedCaller {
  apiKeyId: string;
  groupId: string;
  name: string;
  privileges: Privilege[];
}

/**
 * Checks a `Signature` request (docs/api/keys-partners-sso.md): header shape, the key (known, not
 * revoked, not expired), the timestamp window, the HMAC, and last the nonce, so
 * that only a correctly signed request can use up a nonce. Each refusal is a 401 whose `code`
 * says why, and an audit row (under the key's group when the key is known).
 */
export async function authenticateSignedRequest(
  deps: Pick<Deps, 'db' | 'redis' | 'secretBox' | 'clock'>,
  request: SignedRequest,
): Promise<SignedCaller> {
  const now = deps.clock.now();
  const refuse = async (reason: SignatureRefusal, groupId: string | null, keyId: string | null): Promise<never> => {
    await recordAudit(deps.db, {
      groupId,
      actorType: keyId ? 'api_key' : 'anonymous',
      actorId: keyId,
      action: 'api_key.signature',
      outcome: 'refused',
      reason,
      targetType: keyId ? 'api_key' : undefined,
      targetId: keyId ?? undefined,
      ip: request.ip,
      details: { method: request.method, path: request.target.split('?')[0] },
    });
    throw unauthorized(reason, SIGNATURE_REFUSAL_MESSAGES[reason]);
  };

  const header = parseSignatureHeader(request.credentials);
  if (!header) return refuse('SIGNATURE_MALFORMED', null, null);

  const loaded = await loadUsableKey(deps, header.keyId);
  if ('refusal' in loaded) {
    const reason = (
      { UNKNOWN: 'SIGNATURE_KEY_UNKNOWN', REVOKED: 'SIGNATURE_KEY_REVOKED', EXPIRED: 'SIGNATURE_KEY_EXPIRED' } as const
    )[loaded.refusal];
    return refuse(reason, loaded.groupId ?? null, loaded.refusal === 'UNKNOWN' ? null : header.keyId);
  }
  const { key } = loaded;
  if (!timestampInWindow(header.timestamp, now)) {
    return refuse('SIGNATURE_TIMESTAMP_OUT_OF_WINDOW', key.groupId, key.id);
  }

  const expected = expectedSignature(key.secret, {
    method: request.method,
    target: request.target,
    timestamp: header.timestamp,
    nonce: header.nonce,
    body: request.body,
  });
  if (!signatureMatches(expected, header.sig)) return refuse('SIGNATURE_INVALID', key.groupId, key.id);

  if (!(await claimOnce(deps.redis, `signature:${key.id}`, header.nonce, NONCE_TTL_SECONDS))) {
    return refuse('SIGNATURE_NONCE_REUSED', key.groupId, key.id);
  }
  await touchApiKey(deps, key.id);
  return { apiKeyId: key.id, groupId: key.groupId, name: key.name, privileges: key.privileges };
}
