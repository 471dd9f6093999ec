import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../apps/core/net/free-port.ts';
import { loadTokens } from '../../apps/core/oauth/connection-store.ts';
import { refreshExpiringTokens, refreshIdleTokens } from '../../apps/core/tokens/maintenance.ts';
import { TOKEN_CACHE_MS } from '../../apps/core/tokens/token-service.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import {
  authorizeWithProvider,
  postEngagement,
  providerHonours,
  setRetrySchedule,
  statusCounts,
  waitFor,
} from '../helpers/deliveries.ts';
import { api, createExport } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

type GrantContext = { oidc: { params?: { grant_type?: string } } };

/** The connector's clock runs this far ahead of the real one: moving it expires its caches, no sleep. */
const offset = { ms: 0 };
const clock = { now: () => new Date(Date.now() + offset.ms) };

describe('access tokens for deliveries: one refresh for everyone, parking when the grant is gone', () => {
  let connector: TestConnector;
  let provider: TestOidcProvider;
  let token: string;
  let receiver: WebhookReceiver;
  let exportId: string;
  let refreshRequests = 0;
  const refusedTokens = new Set<string>();
  /**
   * The stored access token expires (as far as the connector knows): the next use must refresh it.
   * Workers reuse what they read of a connection for TOKEN_CACHE_MS of their clock: it moves on by that.
   */
  const expireStoredToken = async () => {
    await connector.deps.db.oAuthConnection.update({
      where: { exportId },
      data: { expiresAt: new Date(clock.now().getTime() - 1000) },
    });
    offset.ms += TOKEN_CACHE_MS;
  };

  beforeAll(async () => {
    connector = await startConnector({ clock });
    rememberSecret(ADMIN.password);
    token = await connector.adminToken();
    rememberSecret(token);
    provider = await startOidcProvider({ redirectUri: connector.deps.config.redirectUri, rotateRefreshTokens: true });
    const countRefresh = (...args: unknown[]) => {
      if ((args[0] as GrantContext).oidc.params?.grant_type === 'refresh_token') refreshRequests++;
    };
    provider.provider.on('grant.success', countRefresh);
    provider.provider.on('grant.error', countRefresh);
    const secrets: string[] = [];
    const honours = providerHonours(provider);
    receiver = await startWebhookReceiver({
      secrets: () => secrets,
      // A token the connector considers expired must never reach the CRM again.
      acceptToken: async (bearer) => !refusedTokens.has(bearer) && (await honours(bearer)),
    });
    const exp = await createExport(connector, token, { name: 'CRM', webhookUrl: receiver.url });
    secrets.push(exp.signingSecret);
    exportId = exp.id;
    await setRetrySchedule(connector, exportId, [0, 0.05, 0.05]);
    await authorizeWithProvider(connector, token, exportId, provider);
  });
  afterAll(async () => {
    await receiver?.close();
    await provider?.close();
    await connector?.close();
  });

  it('200 deliveries queued at once on an expired token make exactly one refresh, and all are delivered', {
    timeout: 90_000,
  }, async () => {
    const before = await loadTokens(connector.deps, exportId);
    expect(before?.refreshToken).toBeTruthy();
    refusedTokens.add(before?.accessToken as string);
    // Everything queued first, then the token expires (in the connector's eyes), then the workers go.
    await connector.deps.queues.delivery.pause();
    const posted = await Promise.all(
      Array.from({ length: 200 }, (_, i) => postEngagement(connector, token, { id: `R-${i}` })),
    );
    await expireStoredToken();
    await connector.deps.queues.delivery.resume();

    await waitFor(
      () => statusCounts(connector, exportId),
      (c) => c.delivered === 200,
      'all 200 delivered',
      60_000,
    );
    expect(refreshRequests).toBe(1);
    expect(receiver.ids()).toEqual(new Set(posted.map((p) => p.deliveries[0]?.id)));
    expect(receiver.refused).toEqual([]);
    const after = await loadTokens(connector.deps, exportId);
    // Rotation: the new refresh token was stored (the old one would now revoke the grant).
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
    expect(after?.version).toBe((before?.version ?? 0) + 1);
    expect(new Set(receiver.received.map((r) => r.bearer))).toEqual(new Set([after?.accessToken]));
  });

  it('a revoked grant parks the deliveries; authorizing again sends every one of them', {
    timeout: 90_000,
  }, async () => {
    const tokens = await loadTokens(connector.deps, exportId);
    const revoked = await fetch(`${provider.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: tokens?.refreshToken as string,
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
      }),
    });
    expect(revoked.status).toBe(200);
    const refreshesBefore = refreshRequests;
    const receivedBefore = receiver.received.length;

    const posted = [];
    for (let i = 0; i < 10; i++) posted.push(await postEngagement(connector, token, { id: `P-${i}` }));
    const ids = posted.map((p) => p.deliveries[0]?.id as string);
    await waitFor(
      () => statusCounts(connector, exportId),
      (c) => c.parked === 10,
      'the deliveries to park',
    );
    // The CRM refused the revoked token, one refresh met invalid_grant, and nothing got through.
    expect(refreshRequests).toBe(refreshesBefore + 1);
    expect(receiver.received.length).toBe(receivedBefore);
    const oauth = (await api(connector, 'GET', `/exports/${exportId}/oauth`, token)).body;
    expect(oauth).toMatchObject({
      status: 'reauthorization_required',
      message: expect.stringContaining('invalid_grant'),
    });
    const parked = (await api(connector, 'GET', `/exports/${exportId}/deliveries?status=parked`, token)).body;
    expect(parked.items).toHaveLength(10);
    expect(parked.items[0].lastError).toContain('invalid_grant');
    // Parking spends no step of the retry schedule (three steps here: they would be dead otherwise).
    const rows = await connector.deps.db.delivery.findMany({ where: { id: { in: ids } } });
    for (const row of rows) expect(row.scheduleIndex).toBe(0);

    await authorizeWithProvider(connector, token, exportId, provider, { configure: false });
    await waitFor(
      () => statusCounts(connector, exportId),
      (c) => c.delivered === 210,
      'the parked deliveries to go out',
    );
    const resent = receiver.received.slice(receivedBefore).map((r) => r.webhookId);
    expect(new Set(resent)).toEqual(new Set(ids));
  });

  it('a token endpoint failing for a passing reason postpones deliveries and parks nothing', {
    timeout: 90_000,
  }, async () => {
    // The token endpoint answers 503 for now (the CRM has an outage).
    let outage = true;
    const port = await freePort();
    const realTokenUrl = provider.tokenUrl;
    const failing: Server = createServer((_req, res) =>
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down'),
    );
    await new Promise<void>((resolve) => failing.listen(port, '127.0.0.1', resolve));
    await connector.deps.db.oAuthConfig.update({
      where: { exportId },
      data: { tokenUrl: `http://127.0.0.1:${port}/token` },
    });
    await expireStoredToken();
    const receivedBefore = receiver.received.length;

    const posted = await postEngagement(connector, token, { id: 'O-1' });
    const id = posted.deliveries[0]?.id as string;
    const postponed = await waitFor(
      () => api(connector, 'GET', `/deliveries/${id}`, token),
      (d) => typeof d.body.lastError === 'string',
      'the delivery to be postponed',
    );
    expect(postponed.body).toMatchObject({
      status: 'pending',
      attemptCount: 0,
      lastError: expect.stringContaining('503'),
    });
    const oauth = (await api(connector, 'GET', `/exports/${exportId}/oauth`, token)).body;
    expect(oauth).toMatchObject({ status: 'authorized', lastError: expect.stringContaining('will be tried again') });
    expect(await statusCounts(connector, exportId)).not.toHaveProperty('parked');

    outage = false;
    await connector.deps.db.oAuthConfig.update({ where: { exportId }, data: { tokenUrl: realTokenUrl } });
    const delivered = await waitFor(
      () => api(connector, 'GET', `/deliveries/${id}`, token),
      (d) => d.body.status === 'delivered',
      'the postponed delivery',
    );
    expect(delivered.body.attemptCount).toBe(1);
    expect(receiver.received.slice(receivedBefore).map((r) => r.webhookId)).toEqual([id]);
    expect(outage).toBe(false);
    failing.closeAllConnections();
    await new Promise((resolve) => failing.close(resolve));
  });

  it('refreshes tokens close to expiry, and daily the ones left idle, on schedule', async () => {
    const db = connector.deps.db;
    const before = await loadTokens(connector.deps, exportId);
    const refreshesBefore = refreshRequests;
    // Not due: the token lives another hour and was refreshed just now.
    expect(await refreshExpiringTokens(connector.deps)).toBe(0);
    expect(await refreshIdleTokens(connector.deps)).toBe(0);

    // An hour-long token, issued 58 minutes ago.
    await db.oAuthConnection.update({
      where: { exportId },
      data: { expiresAt: new Date(Date.now() + 2 * 60_000), lastRefreshedAt: new Date(Date.now() - 58 * 60_000) },
    });
    expect(await refreshExpiringTokens(connector.deps)).toBe(1);
    const refreshed = await loadTokens(connector.deps, exportId);
    expect(refreshed?.version).toBe((before?.version ?? 0) + 1);
    expect(refreshed?.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 3000 * 1000);

    await db.oAuthConnection.update({
      where: { exportId },
      data: { lastRefreshedAt: new Date(Date.now() - 25 * 3600_000) },
    });
    expect(await refreshIdleTokens(connector.deps)).toBe(1);
    expect(refreshRequests).toBe(refreshesBefore + 2);
    expect((await api(connector, 'GET', `/exports/${exportId}/oauth`, token)).body.status).toBe('authorized');
  });
});
