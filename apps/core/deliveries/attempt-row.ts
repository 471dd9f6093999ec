import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookResult } from '../webhooks/send.ts';
import type { Verdict } from './outcome.ts';
import type { AttemptRow } from './write.ts';

/** At most this much of an answer's headers (names and values) is kept (docs/api/delivery-inspector.md). */
export const RESPONSE_HEADERS_BYTES = 8 * 1024;

/**
 * The `delivery_attempts` row of one request sent (or that could not be sent), as the inspector
 * shows it: the request as sent (token already masked by send.ts), the answer's headers and the
 * first 4 KiB of its body.
 */
export function attemptRow(number: number, startedAt: Date, result: WebhookResult, verdict: Verdict): AttemptRow {
  const response = result.kind === 'response' ? result : undefined;
  return {
    attempt: number,
    startedAt,
    statusCode: response ? response.statusCode : null,
    durationMs: result.durationMs,
    error: verdict.kind === 'delivered' ? null : verdict.error,
    responseSnippet: response?.snippet ?? null,
    requestUrl: result.request?.url ?? null,
    requestHeaders: result.request ? JSON.stringify(result.request.headers) : null,
    responseHeaders: response?.headers ? cappedHeaders(response.headers) : null,
  };
}

/** The headers as JSON, in the order received; those past RESPONSE_HEADERS_BYTES are left out. */
export function cappedHeaders(headers: IncomingHttpHeaders): string {
  const kept: Record<string, string | string[]> = {};
  let size = 0;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    size += name.length + (typeof value === 'string' ? value.length : value.reduce((n, v) => n + v.length, 0));
    if (size > RESPONSE_HEADERS_BYTES) break;
    kept[name] = value;
  }
  return JSON.stringify(kept);
}
