import { hash } from 'node:crypto';

/**
 * The one id rule for deliveries, the same on every database: `dlv_` and the first 128 bits of
 * SHA-256 over `<engagement id>/<export id>`, in base64url without padding (the shape of ids.ts's
 * newId). Both ids are random, so the result is as unguessable as a random id; deriving it lets
 * one statement insert an engagement's deliveries without first reading the exports. PostgreSQL
 * computes it in SQL (store/postgres/statements.ts); SQLite calls this function inside its
 * synchronous ingest transaction (store/sqlite/sqlite-delivery-store.ts). The conformance suite
 * pins one value of it on both (test/integration/delivery-store.conformance.int.test.ts).
 */
export function deliveryIdFor(engagementId: string, exportId: string): string {
  // One-shot crypto.hash: about half the CPU of createHash().update().digest() for a short input.
  const digest = hash('sha256', `${engagementId}/${exportId}`, 'buffer');
  return `dlv_${digest.subarray(0, 16).toString('base64url')}`;
}
