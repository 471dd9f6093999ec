import { type Dispatcher, request } from 'undici';
import { webhookSignature } from '../webhooks/signature.ts';

/** As for deliveries (docs/api/deliveries.md): the whole exchange fits in 15 s. */
const TIMEOUT_MS = 15_000;
/** The most read of the receiver's answer: enough to quote it in `last_error`. */
const ANSWER_LIMIT_BYTES = 1024;
const USER_AGENT = 'oauth-export-connector/0.1 (+Standard Webhooks; notifications)';

export interface NotificationPost {
  url: string;
  /** The outbox row id: the `webhook-id`, the same on every retry, for receivers to deduplicate on. */
  id: string;
  body: string;
  /** The group's `whsec_…` notification secret. */
  secret: string;
  now: Date;
}

/**
 * POSTs one notification, signed like a delivery (Standard Webhooks: `webhook-id`,
 * `webhook-timestamp`, `webhook-signature`) but with the group's own secret and no Bearer token,
 * through the process's dispatcher (so the same connect-time address policy holds, and the
 * outbound proxy when one is set: apps/core/net/dispatcher.ts). No redirect is followed. Resolves
 * on a 2xx; otherwise throws with what the receiver said (its first KiB).
 */
export async function postNotification(dispatcher: Dispatcher, post: NotificationPost): Promise<void> {
  const timestamp = Math.floor(post.now.getTime() / 1000);
  const answer = await request(post.url, {
    dispatcher,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': post.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature([post.secret], post.id, timestamp, post.body),
      'user-agent': USER_AGENT,
    },
    body: post.body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
  });
  const text = await readSome(answer.body);
  if (answer.statusCode < 200 || answer.statusCode >= 300) {
    throw new Error(`The notification webhook answered ${answer.statusCode}${text ? `: ${text}` : ''}`);
  }
}

/** The first ANSWER_LIMIT_BYTES of a body as text; the rest is not read (the socket is dropped). */
async function readSome(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= ANSWER_LIMIT_BYTES) {
      body.destroy();
      break;
    }
  }
  const text = Buffer.concat(chunks).subarray(0, ANSWER_LIMIT_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
  return size > ANSWER_LIMIT_BYTES ? `${text}…` : text;
}
