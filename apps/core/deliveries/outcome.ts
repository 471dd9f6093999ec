import type { WebhookResult } from '../webhooks/send.ts';

/** What one answer (or failure to get one) means for the delivery (docs/api/deliveries.md, "Outcomes and the retry schedule"). */
export type Verdict =
  | { kind: 'delivered' }
  /** 401: the access token was refused; refresh it once and send again at once. */
  | { kind: 'unauthorized'; error: string }
  /** 408, 429, 5xx, timeouts, refused or dropped connections: the next attempt may succeed. */
  | { kind: 'retry'; error: string }
  /** 410 Gone: the receiver says this webhook no longer exists; the export is disabled. */
  | { kind: 'gone'; error: string }
  /** Any other answer: sending the same request again would get the same answer. */
  | { kind: 'failed'; error: string };

const RETRYABLE_STATUS = new Set([408, 425, 429]);
// Failures that cannot pass by themselves: the address is refused by our own policy, or the URL
// cannot be built (no instance_url).
const PERMANENT_ERRORS = new Set(['PRIVATE_TARGET_REFUSED', 'TARGET_INVALID']);

/** Judges one attempt's result. */
export function judge(result: WebhookResult): Verdict {
  if (result.kind === 'error') {
    return PERMANENT_ERRORS.has(result.code)
      ? { kind: 'failed', error: result.message }
      : { kind: 'retry', error: result.message };
  }
  const { statusCode } = result;
  const error = describeStatus(statusCode, result.snippet);
  if (statusCode >= 200 && statusCode < 300) return { kind: 'delivered' };
  if (statusCode === 401) return { kind: 'unauthorized', error };
  if (statusCode === 410) return { kind: 'gone', error };
  if (statusCode >= 500 || RETRYABLE_STATUS.has(statusCode)) return { kind: 'retry', error };
  if (statusCode >= 300 && statusCode < 400) {
    return { kind: 'failed', error: `${error} (redirects are not followed: set the final URL as the webhook URL)` };
  }
  return { kind: 'failed', error };
}

/** "HTTP 400: {snippet}" with the snippet cut short, for `lastError` and attempt rows. */
export function describeStatus(statusCode: number, snippet: string | undefined): string {
  if (!snippet) return `HTTP ${statusCode}`;
  const short = snippet.length > 300 ? `${snippet.slice(0, 300)}…` : snippet;
  return `HTTP ${statusCode}: ${short}`;
}
