import { createHmac } from 'node:crypto';
import { ClientError, ResponseBodyError, WWWAuthenticateChallengeError } from 'openid-client';
import { describe, expect, it } from 'vitest';
import { OutboundProxyFailure } from '../../apps/core/net/proxy-failure.ts';
import { describeAuthorizationError, translateOAuthError } from '../../apps/core/oauth/errors.ts';
import { verifySalesforceSignature } from '../../apps/core/oauth/salesforce.ts';
import { decodeCursor, encodeCursor } from '../../apps/core/pagination.ts';

const options = { call: 'exchange' as const, timeoutSeconds: 15 };
const bodyError = (error: string, status = 400, description?: string) =>
  new ResponseBodyError('server responded with an error in the response body', {
    cause: { error, ...(description ? { error_description: description } : {}) },
    response: new Response(null, { status }),
  });

describe('translating openid-client errors into what a manager reads', () => {
  it('invalid_grant means authorize again; the refresh wording differs from the exchange one', () => {
    expect(translateOAuthError(bodyError('invalid_grant'), options)).toMatchObject({
      kind: 'reauthorize',
      code: 'invalid_grant',
      message: expect.stringContaining('Press "Authorize Export" again'),
    });
    expect(translateOAuthError(bodyError('invalid_grant'), { ...options, call: 'refresh' }).message).toContain(
      'no longer accepts the refresh token (invalid_grant)',
    );
  });

  it('invalid_client is a configuration error, whether in the body or a 401 challenge', () => {
    expect(translateOAuthError(bodyError('invalid_client', 401, 'client authentication failed'), options)).toEqual({
      kind: 'configuration',
      code: 'invalid_client',
      message: 'The CRM refused the client ID or secret (invalid_client): client authentication failed',
    });
    const challenge = new WWWAuthenticateChallengeError('challenge', {
      cause: [{ scheme: 'basic', parameters: { error: 'invalid_client' } }],
      response: new Response(null, { status: 401 }),
    } as never);
    expect(translateOAuthError(challenge, options)).toMatchObject({ kind: 'configuration', code: 'invalid_client' });
  });

  it('timeouts, refused connections, 5xx and server_error can pass: retryable', () => {
    const timeout = new ClientError('operation timed out', { cause: new Error('t'), code: 'OAUTH_TIMEOUT' } as never);
    expect(translateOAuthError(timeout, options)).toMatchObject({
      kind: 'retryable',
      message: "The CRM's token endpoint did not answer within 15 s (timeout)",
    });
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    expect(translateOAuthError(refused, options)).toMatchObject({ kind: 'retryable', code: 'econnrefused' });
    // OUTBOUND_PROXY_URL refusing: the proxy is named, not the CRM (apps/core/net/proxy-failure.ts).
    const proxyMessage = 'Could not connect to the outbound proxy 127.0.0.1:9 (OUTBOUND_PROXY_URL): ECONNREFUSED';
    const viaProxy = new TypeError('fetch failed', {
      cause: new OutboundProxyFailure(proxyMessage, '127.0.0.1:9', undefined, {
        cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      }),
    });
    expect(translateOAuthError(viaProxy, options)).toEqual({
      kind: 'retryable',
      code: 'outbound_proxy_failed',
      message: proxyMessage,
    });
    const status503 = new ClientError('unexpected HTTP response status code', {
      cause: new Response('down', { status: 503 }),
      code: 'OAUTH_RESPONSE_IS_NOT_CONFORM',
    } as never);
    expect(translateOAuthError(status503, options)).toMatchObject({ kind: 'retryable', code: 'http_503' });
    expect(translateOAuthError(bodyError('temporarily_unavailable', 400), options).kind).toBe('retryable');
  });

  it('an error code is echoed only when it is a plain token, and descriptions are cut short', () => {
    const odd = translateOAuthError(bodyError('<script>', 400, 'x'.repeat(500)), options);
    expect(odd.code).toBe('unknown_error');
    expect(odd.message.length).toBeLessThan(300);
  });

  it('describes the errors a CRM sends back to the redirect URI', () => {
    expect(describeAuthorizationError('access_denied', 'end-user denied authorization').message).toBe(
      'The CRM user declined to grant access (access_denied): end-user denied authorization. Press "Authorize Export" to try again.',
    );
    expect(describeAuthorizationError('invalid_scope').message).toContain('(invalid_scope)');
  });
});

describe("Salesforce's token signature", () => {
  const secret = 'client-secret';
  const signed = (id: string, issuedAt: string, key = secret) =>
    createHmac('sha256', key)
      .update(id + issuedAt)
      .digest('base64');

  it('checks base64 HMAC-SHA256 of id + issued_at keyed with the client secret', () => {
    const id = 'https://login.salesforce.com/id/00Dx/005x';
    expect(
      verifySalesforceSignature({ id, issued_at: '1700000000000', signature: signed(id, '1700000000000') }, secret),
    ).toBe(true);
    expect(
      verifySalesforceSignature(
        { id, issued_at: '1700000000000', signature: signed(id, '1700000000000', 'other') },
        secret,
      ),
    ).toBe(false);
    expect(
      verifySalesforceSignature({ id, issued_at: '1700000000001', signature: signed(id, '1700000000000') }, secret),
    ).toBe(false);
    expect(verifySalesforceSignature({ access_token: 'x' }, secret)).toBeNull();
  });
});

describe('list cursors', () => {
  it('round-trip a position and refuse anything else with a 400 naming the field', () => {
    const position = { createdAt: new Date('2025-01-02T03:04:05.678Z'), id: 'exp_abc' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    expect(() => decodeCursor('garbage')).toThrowError(expect.objectContaining({ status: 400 }));
  });
});
