import { randomBytes } from 'node:crypto';

/** A random id with a readable prefix (`exp_…`, `dlv_…`): 128 bits, URL safe. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

/** Random bytes as base64url, for states, verifiers, nonces and secrets. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
