import { afterAll, describe, expect } from 'vitest';
import type { TestConnector } from '../helpers/connector.ts';
import { postEngagement, seedTokens, waitFor } from '../helpers/deliveries.ts';
import { api, createExport } from '../helpers/exports.ts';
import { it } from '../helpers/fixtures.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

// POST /v1/exports/:id/test ("Send test event", docs/api/deliveries.md): a test event goes to that
// export alone, through its access token, signature and log, and counts as no engagement.

describe('a test event to one export', () => {
  let connector: TestConnector;
  let token: string;
  let receiver: WebhookReceiver;
  let other: WebhookReceiver;
  let exportId: string;
  afterAll(async () => {
    await receiver?.close();
    await other?.close();
  });

  it.beforeAll(async ({ connector: started, adminToken }) => {
    connector = started;
    token = adminToken;
    const secrets: Record<string, string> = {};
    const accessTokens = new Set<string>();
    receiver = await startWebhookReceiver({
      secrets: () => [secrets.tested ?? ''],
      acceptToken: (t) => accessTokens.has(t),
    });
    other = await startWebhookReceiver({
      secrets: () => [secrets.other ?? ''],
      acceptToken: (t) => accessTokens.has(t),
    });
    const tested = await createExport(connector, token, { name: 'Tested CRM', webhookUrl: receiver.url });
    const second = await createExport(connector, token, { name: 'Other CRM', webhookUrl: other.url });
    secrets.tested = tested.signingSecret;
    secrets.other = second.signingSecret;
    exportId = tested.id;
    accessTokens.add(await seedTokens(connector, tested.id));
    accessTokens.add(await seedTokens(connector, second.id));
  });

  const ingested = async () => (await connector.deps.metrics.ingested.get()).values.reduce((n, v) => n + v.value, 0);

  it('arrives signed, typed engagement.test, at that export alone, and shows in the log', async () => {
    const before = await ingested();
    const sent = await api(connector, 'POST', `/exports/${exportId}/test`, token, undefined, {
      headers: { 'x-request-id': 'client-req-test-event' },
    });
    expect(sent.status).toBe(202);
    const deliveryId = sent.body.deliveryId as string;
    expect(deliveryId).toMatch(/^dlv_/);

    const [got] = await waitFor(
      async () => receiver.requestsFor(deliveryId),
      (requests) => requests.length > 0,
      'the test event at the receiver',
    );
    // The receiver verified the signature with the export's secret (standardwebhooks) and the token.
    expect(receiver.refused).toEqual([]);
    expect(got?.body.type).toBe('engagement.test');
    expect(got?.body.data).toMatchObject({ test: true, id: expect.stringMatching(/^connector-test-event:/) });
    expect(Date.parse(got?.body.timestamp ?? '')).not.toBeNaN();
    expect(other.received).toEqual([]);

    const view = await waitFor(
      async () => (await api(connector, 'GET', `/deliveries/${deliveryId}`, token)).body,
      (v) => v.status === 'delivered',
      'the test event to be delivered',
    );
    expect(view).toMatchObject({
      exportId,
      exportName: 'Tested CRM',
      eventType: 'engagement.test',
      requestId: 'client-req-test-event',
    });
    expect(JSON.parse(view.request.body)).toMatchObject({ type: 'engagement.test', data: { test: true } });

    const log = await api(connector, 'GET', `/deliveries?exportId=${exportId}`, token);
    expect(log.status).toBe(200);
    expect(log.body.items).toEqual([
      expect.objectContaining({
        id: deliveryId,
        eventType: 'engagement.test',
        exportName: 'Tested CRM',
        status: 'delivered',
      }),
    ]);
    // It is no ingested engagement.
    expect(await ingested()).toBe(before);
    const audit = await connector.deps.db.auditLog.findFirst({
      where: { action: 'export.test_event', targetId: exportId },
    });
    expect(JSON.parse(audit?.details ?? '{}')).toEqual({ deliveryId });

    // A resend of a test event is a test event again, with its own webhook-id.
    const resent = await api(connector, 'POST', `/deliveries/${deliveryId}/resend`, token);
    expect(resent.status).toBe(202);
    const [again] = await waitFor(
      async () => receiver.requestsFor(resent.body.deliveryId),
      (requests) => requests.length > 0,
      'the resent test event at the receiver',
    );
    expect(again?.body.type).toBe('engagement.test');
    expect(again?.body.data).toEqual(got?.body.data);
  });

  it('leaves idempotent ingest of the client’s ids alone', async () => {
    const before = await ingested();
    const first = await postEngagement(connector, token, { id: 'E-after-test-event' });
    expect(first.duplicate).toBe(false);
    expect(first.deliveries).toHaveLength(2);
    expect((await postEngagement(connector, token, { id: 'E-after-test-event' })).duplicate).toBe(true);
    // connector_engagements_ingested_total counts one accepted and one duplicate.
    const values = (await connector.deps.metrics.ingested.get()).values;
    expect(await ingested()).toBe(before + 2);
    expect(values.find((v) => v.labels.outcome === 'duplicate')?.value).toBeGreaterThanOrEqual(1);
  });

  it('refuses a disabled export with 409 EXPORT_DISABLED, and another group’s with 404', async () => {
    const disabled = await createExport(connector, token, {
      name: 'Disabled CRM',
      webhookUrl: receiver.url,
      enabled: false,
    });
    const refused = await api(connector, 'POST', `/exports/${disabled.id}/test`, token);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('EXPORT_DISABLED');
    expect(await connector.deps.db.delivery.count({ where: { exportId: disabled.id } })).toBe(0);
    expect((await api(connector, 'POST', '/exports/exp_notThisGroups/test', token)).status).toBe(404);
  });
});
