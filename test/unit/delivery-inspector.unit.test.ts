import { describe, expect, it } from 'vitest';
import { attemptRow, cappedHeaders, RESPONSE_HEADERS_BYTES } from '../../apps/core/deliveries/attempt-row.ts';
import { OutboundProxyFailure, outboundProxyFailure } from '../../apps/core/net/proxy-failure.ts';
import { maskToken } from '../../apps/core/webhooks/send.ts';

describe('what an attempt row keeps of the request and the answer', () => {
  it('masks an access token to its last 4 characters, and a short one entirely', () => {
    expect(maskToken('00Dxx0000000001!AQ8AQPh4bJr1vXyz')).toBe('****vXyz');
    expect(maskToken('0123456789abcdef')).toBe('****cdef');
    expect(maskToken('0123456789abcde')).toBe('****');
    expect(maskToken('')).toBe('****');
  });

  it('keeps the headers in the order received, leaving out those past the size cap', () => {
    expect(JSON.parse(cappedHeaders({ 'x-a': '1', 'set-cookie': ['a=1', 'b=2'] }))).toEqual({
      'x-a': '1',
      'set-cookie': ['a=1', 'b=2'],
    });
    const big = 'v'.repeat(RESPONSE_HEADERS_BYTES / 2);
    const kept = JSON.parse(cappedHeaders({ 'x-first': big, 'x-second': big, 'x-third': 'small' }));
    expect(Object.keys(kept)).toEqual(['x-first']);
  });

  it('records the request, headers and body of an answer, and nothing of a request never sent', () => {
    const sent = attemptRow(
      2,
      new Date('2026-01-02T03:04:05.678Z'),
      {
        kind: 'response',
        statusCode: 503,
        retryAfter: undefined,
        snippet: 'busy',
        headers: { 'x-request-id': 'r-1' },
        request: { url: 'https://crm.example.com/hook', headers: { authorization: 'Bearer ****abcd' } },
        durationMs: 12,
      },
      { kind: 'retry', error: 'HTTP 503: busy' },
    );
    expect(sent).toMatchObject({
      attempt: 2,
      statusCode: 503,
      responseSnippet: 'busy',
      requestUrl: 'https://crm.example.com/hook',
      requestHeaders: '{"authorization":"Bearer ****abcd"}',
      responseHeaders: '{"x-request-id":"r-1"}',
    });
    const unsent = attemptRow(
      1,
      new Date(),
      { kind: 'error', code: 'TARGET_INVALID', message: 'no instance_url', durationMs: 0 },
      { kind: 'failed', error: 'no instance_url' },
    );
    expect(unsent).toMatchObject({
      requestUrl: null,
      requestHeaders: null,
      responseHeaders: null,
      responseSnippet: null,
    });
  });
});

describe('outboundProxyFailure', () => {
  it('finds the proxy failure behind the wrappers fetch and undici put around it', () => {
    const failure = new OutboundProxyFailure('Could not connect to the outbound proxy …', '127.0.0.1:3128', undefined);
    const wrapped = new TypeError('fetch failed', { cause: new Error('connect', { cause: failure }) });
    expect(outboundProxyFailure(wrapped)).toBe(failure);
    expect(outboundProxyFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      undefined,
    );
    expect(outboundProxyFailure(undefined)).toBe(undefined);
  });
});
