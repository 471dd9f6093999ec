import {
  allowInsecureRequests,
  authorizationCodeGrant,
  ClientSecretPost,
  Configuration,
  customFetch,
  refreshTokenGrant,
} from 'openid-client';
import { describe, expect, it } from 'vitest';
import { translateOAuthError } from '../../apps/core/oauth/errors.ts';

// Some CRMs answer a refused token request with HTTP 200 and an RFC 6749 §5.2 error body. openid-client only
// reads an error body on a status other than 200, so it reports such an answer as a token answer without an
// access_token; the manager must read the CRM's own `error` and `error_description` instead.
const ERROR_200 = { error: 'invalid_grant', error_description: 'expired authorization code' };

function clientAnswering(status: number, body: unknown): Configuration {
  const config = new Configuration(
    { issuer: 'https://crm.example', token_endpoint: 'https://crm.example/token' },
    'client-id',
    { client_secret: 'client-secret' },
    ClientSecretPost('client-secret'),
  );
  // No network: the answer is handed to openid-client as a fetch would.
  config[customFetch] = async () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  allowInsecureRequests(config);
  return config;
}

async function failureOf(call: () => Promise<unknown>, which: 'exchange' | 'refresh') {
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeDefined();
  return translateOAuthError(error, { call: which, timeoutSeconds: 15 });
}

describe('a token endpoint answering 200 with an error body', () => {
  it('fails a refresh with the CRM own error code and description', async () => {
    const failure = await failureOf(
      () => refreshTokenGrant(clientAnswering(200, ERROR_200), 'refresh-token'),
      'refresh',
    );
    expect(failure).toMatchObject({ kind: 'reauthorize', code: 'invalid_grant' });
    expect(failure.message).toContain('(invalid_grant)');
    expect(failure.message).toContain('expired authorization code');
    expect(failure.message).not.toContain('lacks a required field');
  });

  it('fails a code exchange with the CRM own words, whatever the code', async () => {
    const callback = new URL('https://connector.example/oauth/callback?code=abc');
    const body = { error: 'org_locked', error_description: 'The org is locked for maintenance' };
    const failure = await failureOf(
      () => authorizationCodeGrant(clientAnswering(200, body), callback, { pkceCodeVerifier: 'v'.repeat(43) }),
      'exchange',
    );
    expect(failure.code).toBe('org_locked');
    expect(failure.message).toContain('The org is locked for maintenance');
    const grant = await failureOf(
      () => authorizationCodeGrant(clientAnswering(200, ERROR_200), callback, { pkceCodeVerifier: 'v'.repeat(43) }),
      'exchange',
    );
    expect(grant).toMatchObject({ kind: 'reauthorize', code: 'invalid_grant' });
    expect(grant.message).toContain('expired authorization code');
  });

  it('keeps the missing-field message for a 200 answer that names no error', async () => {
    const failure = await failureOf(
      () => refreshTokenGrant(clientAnswering(200, { token_type: 'bearer' }), 'refresh-token'),
      'refresh',
    );
    expect(failure).toMatchObject({ kind: 'provider', code: 'invalid_response' });
  });
});
