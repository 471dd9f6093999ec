import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { freePort } from '../../apps/core/net/free-port.ts';
import type { TestConnector } from '../helpers/connector.ts';
import {
  api,
  callbackPageData,
  configureOAuth,
  createExport,
  pollCallbackResult,
  pressAuthorize,
  waitForOAuthStatus,
} from '../helpers/exports.ts';
import { it } from '../helpers/fixtures.ts';
import { HttpSession } from '../helpers/http-session.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import type { TestOidcProvider } from '../helpers/oidc-provider.ts';

/** A clock the test can move forward (the connector reads every "now" from it). */
const offset = { ms: 0 };
const clock = { now: () => new Date(Date.now() + offset.ms) };
it.override('connectorOptions', { clock });

describe('"Authorize Export" failures, as a manager sees them', () => {
  let connector: TestConnector;
  let provider: TestOidcProvider;
  let token: string;

  it.beforeAll(({ connector: started, adminToken, oidcProvider }) => {
    connector = started;
    token = adminToken;
    provider = oidcProvider;
  });

  /** A configured export, "Authorize Export" pressed and the provider's pages passed. */
  async function authorizeAtProvider(config: Record<string, unknown> = {}, deny = false) {
    const exp = await createExport(connector, token);
    await configureOAuth(connector, token, exp.id, provider.oauthConfig(config));
    const { session, answer } = await pressAuthorize(connector, token, exp.id);
    rememberSecret(new URL(answer.location!).searchParams.get('state'));
    const callbackUrl = await provider.signIn(session, answer, { deny });
    rememberSecret(new URL(callbackUrl).searchParams.get('code'));
    return { exportId: exp.id, session, callbackUrl };
  }

  it('wrong client secret: failed, "The CRM refused the client ID or secret (invalid_client)"', async () => {
    const { exportId, session, callbackUrl } = await authorizeAtProvider({ clientSecret: 'not-the-secret-at-all' });
    const page = await session.get(callbackUrl);
    expect(page.status).toBe(200);
    const result = await pollCallbackResult(connector, session, callbackPageData(page)['request-id']!);
    expect(result.status).toBe('failed');
    expect(result.message).toContain('The CRM refused the client ID or secret (invalid_client)');
    const view = await waitForOAuthStatus(connector, token, exportId);
    expect(view).toMatchObject({ status: 'failed', lastError: expect.stringContaining('(invalid_client)') });
    expect(view.message).toContain('The CRM refused the client ID or secret (invalid_client)');
    // Saving a corrected configuration makes the failure history: the manager can try again.
    await configureOAuth(connector, token, exportId, provider.oauthConfig());
    expect((await api(connector, 'GET', `/exports/${exportId}/oauth`, token)).body.status).toBe('not_authorized');
  });

  it('consent denied: failed with access_denied, shown on the page and in the status', async () => {
    const { exportId, session, callbackUrl } = await authorizeAtProvider({}, true);
    expect(new URL(callbackUrl).searchParams.get('error')).toBe('access_denied');
    const page = await session.get(callbackUrl);
    expect(page.status).toBe(200);
    expect(callbackPageData(page)).toMatchObject({ status: 'failed', 'export-id': exportId });
    expect(page.body).toContain('declined to grant access (access_denied)');
    const view = await waitForOAuthStatus(connector, token, exportId);
    expect(view).toMatchObject({ status: 'failed' });
    expect(view.message).toContain('The CRM user declined to grant access (access_denied)');
  });

  it('state replayed: the second use is refused and the first result stands', async () => {
    const { exportId, session, callbackUrl } = await authorizeAtProvider();
    const first = await session.get(callbackUrl);
    expect(first.status).toBe(200);
    await pollCallbackResult(connector, session, callbackPageData(first)['request-id']!);
    const replay = await session.get(callbackUrl);
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('This authorization answer was already used');
    // Replayed from elsewhere (no binding cookie): refused without saying more.
    const elsewhere = await new HttpSession().get(callbackUrl);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body).toContain('started in another browser');
    expect((await waitForOAuthStatus(connector, token, exportId)).status).toBe('authorized');
  });

  it('callback from another browser (no cookie): refused, and the state stays usable by the right browser', async () => {
    const { exportId, session, callbackUrl } = await authorizeAtProvider();
    const attacker = await new HttpSession().get(callbackUrl);
    expect(attacker.status).toBe(400);
    expect(callbackPageData(attacker)).toMatchObject({ status: 'rejected', 'export-id': '', 'request-id': '' });
    expect(attacker.body).toContain('This authorization was started in another browser');
    expect((await api(connector, 'GET', `/exports/${exportId}/oauth`, token)).body.status).toBe('not_authorized');
    // The result endpoint is closed to a browser without the cookie too.
    const request = await connector.deps.db.authorizationRequest.findFirstOrThrow({ where: { exportId } });
    const peek = await new HttpSession().get(`${connector.baseUrl}/oauth/callback/result?request=${request.id}`);
    expect(peek.status).toBe(404);

    const page = await session.get(callbackUrl);
    expect(page.status).toBe(200);
    expect((await waitForOAuthStatus(connector, token, exportId)).status).toBe('authorized');
  });

  it('state expired (callback after 10 minutes): failed, "press Authorize Export again"', async () => {
    const { exportId, session, callbackUrl } = await authorizeAtProvider();
    offset.ms = 11 * 60 * 1000;
    try {
      const page = await session.get(callbackUrl);
      expect(page.status).toBe(400);
      expect(callbackPageData(page)).toMatchObject({ status: 'failed', 'export-id': exportId });
      const view = await waitForOAuthStatus(connector, token, exportId);
      expect(view.status).toBe('failed');
      expect(view.message).toContain('longer than 10 minutes and has expired');
    } finally {
      offset.ms = 0;
    }
  });

  it('a callback from another issuer than the configured one is refused (RFC 9207)', async () => {
    const { exportId, session, callbackUrl } = await authorizeAtProvider({ issuer: 'https://login.other-crm.example' });
    const page = await session.get(callbackUrl);
    expect(page.status).toBe(400);
    const view = await waitForOAuthStatus(connector, token, exportId);
    expect(view.status).toBe('failed');
    expect(view.message).toContain('not the configured "https://login.other-crm.example"');
  });

  it('no refresh token granted: authorized, with a warning naming the scope to add', async () => {
    const { exportId, session, callbackUrl } = await authorizeAtProvider({ scopes: ['openid', 'crm.write'] });
    await session.get(callbackUrl);
    const view = await waitForOAuthStatus(connector, token, exportId);
    expect(view.status).toBe('authorized');
    expect(view.message).toContain('no refresh token');
    expect(view.message).toContain('"offline_access"');
  });

  describe('code reused', () => {
    let proxy: Server;
    let proxyUrl: string;
    let tokenCalls = 0;

    // In front of the provider's token endpoint: the first call reaches the provider (which spends
    // the code) but its answer is withheld until the connector gives up, as a lost answer would be.
    beforeAll(async () => {
      const port = await freePort();
      proxyUrl = `http://127.0.0.1:${port}/token`;
      proxy = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const upstream = await fetch(provider.tokenUrl, {
          method: 'POST',
          headers: Object.fromEntries(
            Object.entries(req.headers).filter(([k]) => ['content-type', 'authorization', 'accept'].includes(k)),
          ) as Record<string, string>,
          body: Buffer.concat(chunks),
        });
        const body = await upstream.text();
        tokenCalls += 1;
        if (tokenCalls === 1) return; // never answer: the connector times out
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(body);
      });
      await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      proxy?.closeAllConnections();
      await new Promise((resolve) => proxy?.close(resolve));
    });

    it('an exchange retried after the provider spent the code ends failed with an explanation', async () => {
      const { exportId, session, callbackUrl } = await authorizeAtProvider({ tokenUrl: proxyUrl });
      await session.get(callbackUrl);
      const view = await waitForOAuthStatus(connector, token, exportId, (v) => v.status === 'failed');
      expect(tokenCalls).toBe(2);
      expect(view.message).toContain('(invalid_grant)');
      expect(view.message).toContain('a code works only once');
    });
  });
});
