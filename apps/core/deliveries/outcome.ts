import type { WebhookResult } from '../webhooks/send.ts';

/** What one answer (or failure to get one) means for the delivery (docs/api/deliveries.md, "Outcomes and the retry schedule"). */
export type Verdict =
  | { kind: 'delivered' }
  /** 401: the access token was refused; refresh it once and send again at once. */
  | { kind: 'unauthorized'; error: string }
  /**
   * Any other answer that is not 2xx (Salesforce's 403 REQUEST_LIMIT_EXCEEDED, a 404 while a route
   * is deployed, 429, 5xx …), timeouts, refused or dropped connections: sent again on the export's
   * schedule, as Svix does, since the next attempt may succeed.
   */
  | { kind: 'retry'; error: string }
  /** 410 Gone: the receiver says this webhook no longer exists; the export is disabled. */
  | { kind: 'gone'; error: string }
  /** A status the export named permanent, or a failure of our own that cannot pass: failed at once. */
  | { kind: 'failed'; error: string };

// Failures that cannot pass by themselves: the address is refused by our own policy, or the URL
// cannot be built (no instance_url).
const PERMANENT_ERRORS = new Set(['PRIVATE_TARGET_REFUSED', 'TARGET_INVALID']);

/** Judges one attempt's result; `permanentStatuses` are the export's 4xx codes that fail at once. */
export function judge(result: WebhookResult, permanentStatuses: readonly number[] = []): Verdict {
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
  if (permanentStatuses.includes(statusCode))
    return { kind: 'failed', error: `${error} (a permanent status of this export)` };
  if (statusCode >= 300 && statusCode < 400) {
    return { kind: 'retry', error: `${error} (redirects are not followed: set the final URL as the webhook URL)` };
  }
  return { kind: 'retry', error };
}

/** "HTTP 400: {snippet}" with the snippet cut short, for `lastError` and attempt rows. */
export function describeStatus(statusCode: number, snippet: string | undefined): string {
  if (!snippet) return `HTTP ${statusCode}`;
  const short = snippet.length > 300 ? `${snippet.slice(0, 300)}…` : snippet;
  return `HTTP ${statusCode}: ${short}`;
}
