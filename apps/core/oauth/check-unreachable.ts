import { AppError } from '../errors.ts';
import { outboundProxyFailure } from '../net/proxy-failure.ts';
import { NETWORK_CODES } from './errors.ts';

// Node's TLS verification codes (node:tls, OpenSSL's X509_V_ERR_* names) and handshake failures.
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|HOSTNAME_MISMATCH|EPROTO$)/;

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'OAUTH_TIMEOUT', 'OAUTH_ABORT']);

/**
 * Why an outbound call got no HTTP answer at all, as a sentence starting after the endpoint's name
 * ("The token endpoint " + …), or null when the error is not such a failure (the server answered,
 * or something else went wrong). Looks through the error's `cause` chain: undici's fetch and
 * openid-client wrap what the socket threw (docs/field-notes.md).
 */
export function unreachableReason(error: unknown, waitMs: number): string | null {
  const proxy = outboundProxyFailure(error);
  if (proxy) return `was not called: ${proxy.message}`;
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    // net/dispatcher.ts refuses private, loopback, link-local and metadata addresses at connect time.
    if (current instanceof AppError && current.code === 'PRIVATE_TARGET_REFUSED') {
      return `was not called: the address policy refused it (${current.message})`;
    }
    const name = (current as { name?: unknown }).name;
    const code = (current as { code?: unknown }).code;
    if (name === 'TimeoutError' || name === 'AbortError' || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
      return `did not answer within ${waitMs / 1000} s (timeout)`;
    }
    if (typeof code === 'string' && NETWORK_CODES[code]) return `${NETWORK_CODES[code]} (${code})`;
    if (typeof code === 'string' && TLS_CODE.test(code)) return `could not be reached over TLS (${code})`;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return `could not be reached (${code})`;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** Rejects with a TimeoutError after `waitMs`, so no step of a call (DNS included) can outlast it. */
export function deadline<T>(call: Promise<T>, waitMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DOMException('The check took too long', 'TimeoutError')), waitMs);
  });
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}
