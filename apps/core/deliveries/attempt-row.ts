import type { WebhookResult } from '../webhooks/send.ts';
import type { Verdict } from './outcome.ts';
import type { AttemptRow } from './write.ts';

/** The `delivery_attempts` row of one request sent (or that could not be sent), as the inspector shows it. */
export function attemptRow(number: number, startedAt: Date, result: WebhookResult, verdict: Verdict): AttemptRow {
  return {
    attempt: number,
    startedAt,
    statusCode: result.kind === 'response' ? result.statusCode : null,
    durationMs: result.durationMs,
    error: verdict.kind === 'delivered' ? null : verdict.error,
    responseSnippet: result.kind === 'response' ? (result.snippet ?? null) : null,
  };
}
