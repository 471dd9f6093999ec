import { describe, expect, it } from 'vitest';
import { deliveryJobId, parseDeliveryJobId } from '../../apps/core/deliveries/jobs.ts';
import { judge } from '../../apps/core/deliveries/outcome.ts';
import {
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  parseRetryAfter,
  parseRetrySchedule,
  retryDelayMs,
  retryScheduleProblem,
} from '../../apps/core/deliveries/schedule.ts';
import type { WebhookResult } from '../../apps/core/webhooks/send.ts';

const answer = (statusCode: number, extra: Partial<WebhookResult> = {}): WebhookResult =>
  ({
    kind: 'response',
    statusCode,
    retryAfter: undefined,
    snippet: undefined,
    durationMs: 3,
    ...extra,
  }) as WebhookResult;

describe('the retry schedule', () => {
  it("defaults to Svix's: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h", () => {
    expect(parseRetrySchedule(null)).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 36000].map((s) => s * 1000));
    expect(DEFAULT_RETRY_SCHEDULE_SECONDS).toHaveLength(8);
  });

  it("takes an export's own schedule in seconds, fractions allowed, and ignores an unreadable one", () => {
    expect(parseRetrySchedule('[0, 0.05, 0.2]')).toEqual([0, 50, 200]);
    expect(parseRetrySchedule('not json')).toHaveLength(8);
    expect(parseRetrySchedule('[-1]')).toHaveLength(8);
    expect(retryScheduleProblem([])).toMatch(/array of 1 to 20/);
    expect(retryScheduleProblem([0, 'x'])).toMatch(/number of seconds/);
    expect(retryScheduleProblem([0, 5, 300])).toBeNull();
  });

  it('adds at most 10 % of jitter either way and ends when the schedule is used up', () => {
    const schedule = [0, 5_000, 300_000];
    expect(retryDelayMs(schedule, 1, undefined, () => 0)).toBe(4_500);
    expect(retryDelayMs(schedule, 1, undefined, () => 1)).toBe(5_500);
    expect(retryDelayMs(schedule, 2, undefined, () => 0.5)).toBe(300_000);
    expect(retryDelayMs(schedule, 3, undefined)).toBeNull();
  });

  it('never comes back sooner than Retry-After, and caps it at a day', () => {
    expect(retryDelayMs([0, 50], 1, 2_000, () => 0.5)).toBe(2_000);
    expect(retryDelayMs([0, 300_000], 1, 2_000, () => 0.5)).toBe(300_000);
    expect(retryDelayMs([0, 50], 1, 10 * 24 * 3600_000, () => 0.5)).toBe(24 * 3600_000);
  });

  it('reads Retry-After as seconds or as an HTTP-date (RFC 9110 §10.2.3)', () => {
    const now = new Date('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('judging an answer', () => {
  it('delivers on 2xx, refreshes on 401, disables on 410', () => {
    expect(judge(answer(200)).kind).toBe('delivered');
    expect(judge(answer(204)).kind).toBe('delivered');
    expect(judge(answer(401)).kind).toBe('unauthorized');
    expect(judge(answer(410)).kind).toBe('gone');
  });

  it("retries every other answer and failures to get one; fails only the export's permanent statuses", () => {
    for (const status of [302, 400, 403, 404, 408, 422, 429, 500, 502, 503]) {
      expect(judge(answer(status)).kind).toBe('retry');
    }
    expect(
      judge({ kind: 'error', code: 'TIMEOUT', message: 'No complete answer within 15 s', durationMs: 15_000 }).kind,
    ).toBe('retry');
    expect(judge({ kind: 'error', code: 'ECONNREFUSED', message: 'refused', durationMs: 1 }).kind).toBe('retry');
    expect(judge(answer(400, { snippet: '{"error":"bad field"}' }), [400, 422])).toEqual({
      kind: 'failed',
      error: 'HTTP 400: {"error":"bad field"} (a permanent status of this export)',
    });
    expect(judge(answer(404), [400, 422]).kind).toBe('retry');
    expect(judge({ kind: 'error', code: 'PRIVATE_TARGET_REFUSED', message: 'private', durationMs: 0 }).kind).toBe(
      'failed',
    );
  });
});

describe('delivery job ids', () => {
  it('name the row state they wake up, so the same state queues one job', () => {
    const state = { id: 'dlv_AbC-d_9', attemptCount: 2, nextAttemptAt: new Date(1_700_000_000_123) };
    const id = deliveryJobId(state);
    expect(id).toBe('dlv_AbC-d_9.2.1700000000123');
    expect(id).not.toContain(':');
    expect(parseDeliveryJobId(id)).toEqual({ deliveryId: 'dlv_AbC-d_9', attemptCount: 2, dueAt: 1_700_000_000_123 });
    expect(parseDeliveryJobId('something-else')).toBeNull();
  });
});
