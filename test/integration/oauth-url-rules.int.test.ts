import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { api, configureOAuth, createExport } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { startIdentityProvider, type TestIdentityProvider } from '../helpers/oidc-identity-provider.ts';

// Loopback URLs that nothing dials: the configuration is only stored, never used, in this file.
const GOOD = {
  authorizationUrl: 'http://127.0.0.1:9/services/oauth2/authorize',
  tokenUrl: 'http://127.0.0.1:9/services/oauth2/token',
  clientId: 'connected-app-1',
  clientSecret: 'client-secret-value-0123456789',
  scopes: ['api', 'refresh_token'],
  issuer: 'http://127.0.0.1:9',
};

/** Each refused body, the field the 400 must name, and words of its message. */
type Refusal = [what: string, body: Record<string, unknown>, field: string, message: string];

const AUTHORIZATION_PARAMETERS = [
  'redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback',
  'state=fixed',
  'client_id=another-app',
  'response_type=token',
  'code_challenge=abc',
  'code_challenge_method=plain',
  'scope=full',
];

const REFUSALS: Refusal[] = [
  // RFC 6749 §3.1: "The endpoint URI MUST NOT include a fragment component."
  [
    'authorization URL with a fragment',
    { authorizationUrl: `${GOOD.authorizationUrl}#x` },
    'authorizationUrl',
    'fragment',
  ],
  [
    'authorization URL with an empty fragment',
    { authorizationUrl: `${GOOD.authorizationUrl}#` },
    'authorizationUrl',
    'fragment',
  ],
  ...AUTHORIZATION_PARAMETERS.map(
    (parameter): Refusal => [
      `authorization URL carrying ${parameter.split('=')[0]}`,
      { authorizationUrl: `${GOOD.authorizationUrl}?prompt=login&${parameter}` },
      'authorizationUrl',
      `OAuth parameters the connector adds itself (${parameter.split('=')[0]})`,
    ],
  ),
  // RFC 6749 §3.2: the token endpoint likewise.
  ['token URL with a fragment', { tokenUrl: `${GOOD.tokenUrl}#frag` }, 'tokenUrl', 'fragment'],
  // The WHATWG parser drops tab, CR and LF silently: what was stored would not be what was meant.
  [
    'authorization URL with CR LF',
    { authorizationUrl: 'http://127.0.0.1:9/services/oauth2/autho\r\nrize' },
    'authorizationUrl',
    'control characters',
  ],
  [
    'authorization URL with a trailing LF',
    { authorizationUrl: `${GOOD.authorizationUrl}\n` },
    'authorizationUrl',
    'control characters',
  ],
  [
    'token URL with a tab',
    { tokenUrl: 'http://127.0.0.1:9/services/oauth2/to\tken' },
    'tokenUrl',
    'control characters',
  ],
  ['issuer with LF', { issuer: 'http://127.0.0.1:9/tenant\n' }, 'issuer', 'control characters'],
  ['issuer with a tab in the host', { issuer: 'http://127.0.\t0.1:9' }, 'issuer', 'control characters'],
  ['issuer with a query', { issuer: 'http://127.0.0.1:9/?tenant=1' }, 'issuer', 'no query or fragment'],
];

describe('OAuth URLs are what they claim (PUT /v1/exports/:id/oauth)', () => {
  let connector: TestConnector;
  let token: string;
  let idp: TestIdentityProvider;

  beforeAll(async () => {
    connector = await startConnector({ workers: false });
    rememberSecret(ADMIN.password, GOOD.clientSecret);
    token = await connector.adminToken();
    rememberSecret(token);
    idp = await startIdentityProvider({ connectorRedirectUri: `${connector.baseUrl}/sso/callback` });
  });
  afterAll(async () => {
    await connector?.close();
    await idp?.close();
  });

  async function expectRefused(exportId: string, [what, change, field, message]: Refusal) {
    const put = await api(connector, 'PUT', `/exports/${exportId}/oauth`, token, { ...GOOD, ...change });
    expect([what, put.status, put.body?.code]).toEqual([what, 400, 'VALIDATION_FAILED']);
    expect([what, put.body.errors]).toEqual([what, [{ field, message: expect.stringContaining(message) }]]);
  }

  it('refuses each case with 400 naming the field, and keeps the previous configuration', async () => {
    const exp = await createExport(connector, token, { webhookUrl: 'http://127.0.0.1:9/hooks' });
    await configureOAuth(connector, token, exp.id, GOOD);
    const before = (await api(connector, 'GET', `/exports/${exp.id}/oauth`, token)).body;
    expect(before.config).toMatchObject({ authorizationUrl: GOOD.authorizationUrl, issuer: GOOD.issuer });

    for (const refusal of REFUSALS) await expectRefused(exp.id, refusal);

    const after = (await api(connector, 'GET', `/exports/${exp.id}/oauth`, token)).body;
    expect(after).toEqual(before);
    // Parameters a provider documents beside the connector's own (Salesforce's `prompt`) stay welcome.
    const prompt = await api(connector, 'PUT', `/exports/${exp.id}/oauth`, token, {
      ...GOOD,
      authorizationUrl: `${GOOD.authorizationUrl}?prompt=login`,
      tokenUrl: `${GOOD.tokenUrl}?api-version=2`,
    });
    expect(prompt.status).toBe(200);
    expect(prompt.body.authorizationUrl).toBe(`${GOOD.authorizationUrl}?prompt=login`);
  });

  it('stores nothing on an export never configured: still not_configured after every refusal', async () => {
    const exp = await createExport(connector, token, { webhookUrl: 'http://127.0.0.1:9/hooks' });
    for (const refusal of REFUSALS) await expectRefused(exp.id, refusal);
    const view = (await api(connector, 'GET', `/exports/${exp.id}/oauth`, token)).body;
    expect(view).toMatchObject({ configured: false, status: 'not_configured' });
    expect(view.config).toBeUndefined();
    expect(await connector.deps.db.oAuthConfig.findUnique({ where: { exportId: exp.id } })).toBeNull();
  });

  it("refuses an export's webhook URL with CR, LF or tab, on create and on change", async () => {
    const name = `raw-controls-${Date.now()}`;
    for (const webhookUrl of [
      'http://127.0.0.1:9/ho\nok',
      'http://127.0.0.1:9/hook\r\n',
      'http://127.0.0.1:9/\thook',
    ]) {
      const created = await api(connector, 'POST', '/exports', token, { name, webhookUrl });
      expect([JSON.stringify(webhookUrl), created.status, created.body.errors]).toEqual([
        JSON.stringify(webhookUrl),
        400,
        [{ field: 'webhookUrl', message: expect.stringContaining('control characters') }],
      ]);
    }
    const list = (await api(connector, 'GET', '/exports', token)).body;
    expect(list.items.filter((e: { name: string }) => e.name === name)).toEqual([]);

    const exp = await createExport(connector, token, { webhookUrl: 'http://127.0.0.1:9/hooks' });
    const patched = await api(connector, 'PATCH', `/exports/${exp.id}`, token, {
      webhookUrl: 'http://127.0.0.1:9/other\nhooks',
    });
    expect(patched.status).toBe(400);
    expect(patched.body.errors).toEqual([
      { field: 'webhookUrl', message: expect.stringContaining('control characters') },
    ]);
    expect((await api(connector, 'GET', `/exports/${exp.id}`, token)).body.webhookUrl).toBe('http://127.0.0.1:9/hooks');
  });

  it("refuses an SSO issuer with CR, LF or tab (the parser would have made it the provider's real issuer)", async () => {
    // A tab inside the host: without the raw check the parser drops it and discovery succeeds.
    for (const issuer of [idp.issuer.replace('127.0.0', '127.0.\t0'), `${idp.issuer}\n`, `${idp.issuer}/?tenant=1`]) {
      const put = await api(connector, 'PUT', '/groups/acme/sso', token, idp.ssoConfig({ issuer }));
      expect([JSON.stringify(issuer), put.status, put.body.errors]).toEqual([
        JSON.stringify(issuer),
        400,
        [{ field: 'issuer', message: expect.stringMatching(/control characters|no query or fragment/) }],
      ]);
    }
    expect((await api(connector, 'GET', '/groups/acme/sso', token)).status).toBe(404);
    // The issuer itself is accepted, so the refusals above were the raw characters'.
    expect((await api(connector, 'PUT', '/groups/acme/sso', token, idp.ssoConfig())).status).toBe(200);
  });
});
