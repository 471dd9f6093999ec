import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../apps/core/net/free-port.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { api, configureOAuth, createExport } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { requestToken, signInNewMember } from '../helpers/members.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { type SalesforceLike, startSalesforceLike } from '../helpers/salesforce-like.ts';

interface CheckAnswer {
  authorizationEndpoint: { reachable: boolean; detail: string };
  tokenEndpoint: { reachable: boolean; clientAuthentication: 'accepted' | 'rejected' | 'unknown'; detail: string };
}

/**
 * "Check configuration" (POST /v1/exports/:id/oauth/check) against real authorization servers:
 * oidc-provider and a Salesforce-like org. OAUTH_HTTP_TIMEOUT_SECONDS is set well above the
 * check's own 5 s limit, so the limit that ends a silent endpoint is the check's.
 */
describe('checking an export’s OAuth configuration before consent', () => {
  let connector: TestConnector;
  let admin: string;
  let oidc: TestOidcProvider;
  let oidcBasic: TestOidcProvider;
  let org: SalesforceLike;
  const secretsSeen: string[] = [];

  beforeAll(async () => {
    connector = await startConnector({ workers: false, env: { OAUTH_HTTP_TIMEOUT_SECONDS: '30' } });
    const redirectUri = connector.deps.config.redirectUri;
    [oidc, oidcBasic, org] = await Promise.all([
      startOidcProvider({ redirectUri }),
      startOidcProvider({ redirectUri, tokenAuthMethod: 'client_secret_basic' }),
      startSalesforceLike({ redirectUri }),
    ]);
    rememberSecret(oidc.clientSecret, oidcBasic.clientSecret, org.clientSecret);
    secretsSeen.push(oidc.clientSecret, oidcBasic.clientSecret, org.clientSecret);
    admin = await connector.adminToken();
    rememberSecret(admin);
  });
  afterAll(async () => {
    await Promise.all([oidc?.close(), oidcBasic?.close(), org?.close()]);
    await connector?.close();
  });

  /** A new export configured with `config`; returns its id. */
  async function configured(config: Record<string, unknown>): Promise<string> {
    const { id } = await createExport(connector, admin);
    await configureOAuth(connector, admin, id, config);
    return id;
  }

  async function check(exportId: string, on = connector, token = admin): Promise<CheckAnswer> {
    const answer = await api(on, 'POST', `/exports/${exportId}/oauth/check`, token);
    expect(answer.status, answer.text).toBe(200);
    for (const secret of secretsSeen) expect(answer.text).not.toContain(secret);
    return answer.body as CheckAnswer;
  }

  it('oidc-provider with the right secret: both endpoints reachable, the client accepted, nothing stored', async () => {
    const id = await configured(oidc.oauthConfig());
    const result = await check(id);
    expect(result.authorizationEndpoint.reachable).toBe(true);
    expect(result.authorizationEndpoint.detail).toMatch(/answered HTTP \d{3}/);
    expect(result.tokenEndpoint).toMatchObject({ reachable: true, clientAuthentication: 'accepted' });
    expect(result.tokenEndpoint.detail).toContain('invalid_grant');

    const status = await api(connector, 'GET', `/exports/${id}/oauth`, admin);
    expect(status.body).toMatchObject({ configured: true, status: 'not_authorized' });
    expect(await connector.deps.db.oAuthConnection.findUnique({ where: { exportId: id } })).toBeNull();
    expect(await connector.deps.db.authorizationRequest.count({ where: { exportId: id } })).toBe(0);
  });

  it('client_secret_basic is used when saved so: accepted with the right secret', async () => {
    const id = await configured(oidcBasic.oauthConfig());
    expect((await check(id)).tokenEndpoint).toMatchObject({ reachable: true, clientAuthentication: 'accepted' });
  });

  it('oidc-provider with a wrong secret: rejected, and the answer says to check the ID and secret', async () => {
    const wrong = `wrong-${randomBytes(12).toString('base64url')}`;
    rememberSecret(wrong);
    secretsSeen.push(wrong);
    const id = await configured(oidc.oauthConfig({ clientSecret: wrong }));
    const result = await check(id);
    expect(result.tokenEndpoint).toMatchObject({ reachable: true, clientAuthentication: 'rejected' });
    expect(result.tokenEndpoint.detail).toMatch(/client ID or secret/);
    expect(result.authorizationEndpoint.reachable).toBe(true);
  });

  it('a wrong client ID is rejected too (the sent secret is then nobody’s)', async () => {
    const id = await configured(oidc.oauthConfig({ clientId: 'no-such-client' }));
    expect((await check(id)).tokenEndpoint.clientAuthentication).toBe('rejected');
  });

  it('the Salesforce-like org: invalid_grant for the made-up code is accepted, invalid_client is rejected', async () => {
    const before = org.tokenCalls.authorization_code;
    const right = await check(await configured(org.oauthConfig()));
    expect(right.authorizationEndpoint.reachable).toBe(true);
    expect(right.tokenEndpoint).toMatchObject({ reachable: true, clientAuthentication: 'accepted' });
    expect(right.tokenEndpoint.detail).toContain('authentication failure');

    const wrong = `${org.clientSecret.slice(0, -4)}0000`;
    rememberSecret(wrong);
    secretsSeen.push(wrong);
    const refused = await check(await configured(org.oauthConfig({ clientSecret: wrong })));
    expect(refused.tokenEndpoint).toMatchObject({ reachable: true, clientAuthentication: 'rejected' });
    expect(refused.tokenEndpoint.detail).toContain('invalid_client: invalid client credentials');
    // One code exchange per check, and neither issued a token.
    expect(org.tokenCalls.authorization_code).toBe(before + 2);
  });

  it('an answer that is not an OAuth verdict is "unknown", with what the CRM answered', async () => {
    const id = await configured(org.oauthConfig());
    org.mode = 'status-500';
    try {
      const result = await check(id);
      expect(result.tokenEndpoint).toMatchObject({ reachable: true, clientAuthentication: 'unknown' });
      expect(result.tokenEndpoint.detail).toContain('HTTP 500');
    } finally {
      org.mode = 'normal';
    }
  });

  it('a CRM that echoes what it was sent never gets the secret into the answer, in any encoding or cut', async () => {
    // A token endpoint that repeats the request's Authorization header, or the form body from
    // client_secret on, in its error_description, after a prefix that puts them across the
    // 200-character cut.
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/json' });
        const sent = req.headers.authorization ?? body.slice(Math.max(0, body.indexOf('client_secret')));
        const echoed = `${'p'.repeat(150)} got ${sent}`;
        res.end(JSON.stringify({ error: 'invalid_client', error_description: echoed }));
      });
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const secret = `abc+def/ghi=jkl&SECRET ${randomBytes(8).toString('hex')}`;
    rememberSecret(secret);
    const forms = [
      secret,
      encodeURIComponent(secret),
      encodeURIComponent(secret).replace(/%20/g, '+'),
      secret.slice(0, 10),
      encodeURIComponent(secret).slice(0, 12),
    ];
    try {
      for (const tokenAuthMethod of ['client_secret_basic', 'client_secret_post']) {
        const id = await configured({
          authorizationUrl: `http://127.0.0.1:${port}/authorize`,
          tokenUrl: `http://127.0.0.1:${port}/token`,
          clientId: 'echo-client',
          clientSecret: secret,
          tokenAuthMethod,
        });
        const answer = await api(connector, 'POST', `/exports/${id}/oauth/check`, admin);
        expect(answer.status).toBe(200);
        expect(answer.body.tokenEndpoint.clientAuthentication).toBe('rejected');
        for (const form of forms) expect(answer.text).not.toContain(form);
        const basic = Buffer.from(`echo-client:${encodeURIComponent(secret).replace(/%20/g, '+')}`).toString('base64');
        expect(answer.text).not.toContain(basic.slice(0, 16));
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a token URL that never answers: unknown, not reachable, within the 5 s limit', async () => {
    const id = await configured(org.oauthConfig());
    org.mode = 'hang';
    try {
      // The request itself gives up well before OAUTH_HTTP_TIMEOUT_SECONDS (30 s) would end the wait.
      const answer = await api(connector, 'POST', `/exports/${id}/oauth/check`, admin, undefined, {
        timeoutMs: 15_000,
      });
      expect(answer.status).toBe(200);
      expect(answer.body.tokenEndpoint).toEqual({
        reachable: false,
        clientAuthentication: 'unknown',
        detail: 'The token endpoint did not answer within 5 s (timeout).',
      });
      expect(answer.body.authorizationEndpoint.reachable).toBe(true);
    } finally {
      org.mode = 'normal';
    }
  });

  it('an authorization URL on a closed loopback port is not reachable, naming the refused connection', async () => {
    const closed = await freePort();
    const id = await configured(org.oauthConfig({ authorizationUrl: `http://127.0.0.1:${closed}/authorize` }));
    const result = await check(id);
    expect(result.authorizationEndpoint).toEqual({
      reachable: false,
      detail: 'The authorization endpoint refused the connection (ECONNREFUSED).',
    });
    expect(result.tokenEndpoint.clientAuthentication).toBe('accepted');
  });

  it('with ALLOW_PRIVATE_TARGETS off, loopback endpoints are refused by the address policy and never called', async () => {
    const id = await configured(org.oauthConfig());
    const strict = await startConnector({
      workers: false,
      shareWith: connector,
      env: { ALLOW_PRIVATE_TARGETS: 'false', OAUTH_HTTP_TIMEOUT_SECONDS: '30' },
    });
    try {
      const before = org.tokenCalls.authorization_code;
      const result = await check(id, strict);
      expect(result.authorizationEndpoint.reachable).toBe(false);
      expect(result.authorizationEndpoint.detail).toMatch(
        /^The authorization endpoint was not called: the address policy refused it \(127\.0\.0\.1 is a private, loopback/,
      );
      expect(result.tokenEndpoint).toMatchObject({ reachable: false, clientAuthentication: 'unknown' });
      expect(result.tokenEndpoint.detail).toContain('the address policy refused it');
      expect(org.tokenCalls.authorization_code).toBe(before);
      expect(strict.logs.text()).not.toContain(org.clientSecret);
    } finally {
      await strict.close();
    }
  });

  it('an export without OAuth configuration answers 409 OAUTH_NOT_CONFIGURED', async () => {
    const { id } = await createExport(connector, admin);
    const answer = await api(connector, 'POST', `/exports/${id}/oauth/check`, admin);
    expect(answer.status).toBe(409);
    expect(answer.body.code).toBe('OAUTH_NOT_CONFIGURED');
  });

  it('another group’s export is 404; a viewer is 403; a body with fields is 400', async () => {
    const id = await configured(org.oauthConfig());
    expect((await api(connector, 'POST', '/groups', admin, { name: 'globex' })).status).toBe(201);
    const otherGroup = String((await requestToken(connector, { ...ADMIN, group: 'globex' })).body.token);
    const foreign = await api(connector, 'POST', `/exports/${id}/oauth/check`, otherGroup);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('NOT_FOUND');

    const viewer = await signInNewMember(connector, 'viewer', { adminToken: admin });
    const refused = await api(connector, 'POST', `/exports/${id}/oauth/check`, viewer.token);
    expect(refused.status).toBe(403);

    const extra = await api(connector, 'POST', `/exports/${id}/oauth/check`, admin, { code: 'x' });
    expect(extra.status).toBe(400);
    expect(extra.body.errors).toEqual([{ field: 'code', message: 'unknown field' }]);
  });

  it('records an audit row with the verdicts only; no secret in any answer or log line', async () => {
    const audit = await api(connector, 'GET', '/audit?action=export.oauth.check&limit=100', admin);
    expect(audit.status).toBe(200);
    const rows = audit.body.items as { details: Record<string, unknown> | null }[];
    expect(rows.length).toBeGreaterThanOrEqual(8);
    expect(rows[0]?.details).toEqual({
      authorizationEndpointReachable: expect.any(Boolean),
      tokenEndpointReachable: expect.any(Boolean),
      clientAuthentication: expect.stringMatching(/^(accepted|rejected|unknown)$/),
    });
    const logs = connector.logs.text();
    expect(logs).toContain('OAuth configuration checked');
    for (const secret of secretsSeen) {
      expect(audit.text).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });
});
