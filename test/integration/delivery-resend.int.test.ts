import { afterAll, describe, expect } from 'vitest';
import { ADMIN, type TestConnector } from '../helpers/connector.ts';
import { postEngagement, seedTokens, waitFor } from '../helpers/deliveries.ts';
import { api, createExport } from '../helpers/exports.ts';
import { it } from '../helpers/fixtures.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

// POST /v1/deliveries/:id/resend (docs/api/deliveries.md, "Resend"), the request id an ingest
// carries to its deliveries and the worker's log lines, and what GET /v1/deliveries/:id adds.

describe('resending a delivery, and following a request id through the worker', () => {
  let connector: TestConnector;
  let token: string;
  let receiver: WebhookReceiver;
  let exportId: string;
  afterAll(async () => {
    await receiver?.close();
  });

  it.beforeAll(async ({ connector: started, adminToken }) => {
    connector = started;
    token = adminToken;
    let secret = '';
    let accessToken = '';
    receiver = await startWebhookReceiver({ secrets: () => [secret], acceptToken: (t) => t === accessToken });
    const exp = await createExport(connector, token, { name: 'Resend CRM', webhookUrl: receiver.url });
    secret = exp.signingSecret;
    exportId = exp.id;
    accessToken = await seedTokens(connector, exp.id);
  });

  const show = async (id: string) => (await api(connector, 'GET', `/deliveries/${id}`, token)).body;
  const deliveredTo = (webhookId: string) =>
    waitFor(
      async () => receiver.requestsFor(webhookId),
      (got) => got.length > 0,
      `the receiver to get ${webhookId}`,
    );

  it('stores the client’s X-Request-Id on the delivery and logs it with the worker’s lines', async () => {
    const posted = await api(
      connector,
      'POST',
      '/engagements',
      token,
      { id: 'E-request-id', channel: 'chat' },
      {
        headers: { 'x-request-id': 'client-req-0001' },
      },
    );
    expect(posted.status).toBe(202);
    const deliveryId = posted.body.deliveries[0].id as string;
    await deliveredTo(deliveryId);
    const view = await waitFor(
      () => show(deliveryId),
      (v) => v.status === 'delivered',
      'the delivery to be delivered',
    );
    expect(view).toMatchObject({
      requestId: 'client-req-0001',
      eventType: 'engagement.completed',
      exportName: 'Resend CRM',
    });
    expect(view.nextStep).toBeNull();
    const row = await connector.deps.db.delivery.findUniqueOrThrow({ where: { id: deliveryId } });
    expect(row.requestId).toBe('client-req-0001');
    const line = await waitFor(
      async () => connector.logs.records().find((r) => r.msg === 'delivered' && r.deliveryId === deliveryId),
      (found) => found !== undefined,
      'the worker’s "delivered" line',
    );
    expect(line).toMatchObject({ requestId: 'client-req-0001', groupId: row.groupId, exportId });
  });

  it('sends a delivered delivery again with a new webhook-id and the same data', async () => {
    const posted = await postEngagement(connector, token, { id: 'E-resend', visitor: { name: 'Zoë' }, score: 1.5 });
    const firstId = posted.deliveries[0]?.id as string;
    const [first] = await deliveredTo(firstId);
    await waitFor(
      () => show(firstId),
      (v) => v.status === 'delivered',
      'the first delivery to be delivered',
    );

    const resent = await api(connector, 'POST', `/deliveries/${firstId}/resend`, token, undefined, {
      headers: { 'x-request-id': 'client-req-resend' },
    });
    expect(resent.status).toBe(202);
    const secondId = resent.body.deliveryId as string;
    expect(secondId).toMatch(/^dlv_/);
    expect(secondId).not.toBe(firstId);
    const [second] = await deliveredTo(secondId);
    expect(second?.body.type).toBe('engagement.completed');
    expect(second?.body.data).toEqual(first?.body.data);
    expect(second?.body.data).toEqual({ id: 'E-resend', visitor: { name: 'Zoë' }, score: 1.5 });

    const view = await waitFor(
      () => show(secondId),
      (v) => v.status === 'delivered',
      'the resend to be delivered',
    );
    expect(view).toMatchObject({
      exportId,
      engagementId: posted.engagementId,
      eventType: 'engagement.completed',
      requestId: 'client-req-resend',
      attemptCount: 1,
    });
    // The first one is as it was; both are in the export's log.
    expect(await show(firstId)).toMatchObject({ status: 'delivered', attemptCount: 1 });
    const log = await api(connector, 'GET', `/deliveries?engagementId=E-resend`, token);
    expect(log.body.items.map((d: { id: string }) => d.id)).toEqual([secondId, firstId]);
    // Posting the engagement again is still a duplicate answering the delivery ingest made.
    const again = await postEngagement(connector, token, { id: 'E-resend' });
    expect(again.duplicate).toBe(true);
    expect(again.deliveries.map((d) => d.id)).toEqual([firstId]);

    const audit = await connector.deps.db.auditLog.findFirst({
      where: { action: 'delivery.resend', targetId: firstId },
    });
    expect(JSON.parse(audit?.details ?? '{}')).toMatchObject({ deliveryId: secondId });
  });

  it('answers 404 for a delivery that is not the caller’s group’s', async () => {
    const posted = await postEngagement(connector, token, { id: 'E-resend-other-group' });
    const deliveryId = posted.deliveries[0]?.id as string;
    expect((await api(connector, 'POST', '/deliveries/dlv_doesNotExist/resend', token)).status).toBe(404);
    // It takes no body: a field is refused, naming it.
    const withField = await api(connector, 'POST', `/deliveries/${deliveryId}/resend`, token, { force: true });
    expect(withField.status).toBe(400);
    expect(withField.body.errors).toEqual([{ field: 'force', message: 'unknown field' }]);
    const group = await api(connector, 'POST', '/groups', token, { name: 'resend-other-group' });
    expect(group.status).toBe(201);
    const other = await api(connector, 'POST', '/auth/token', null, { ...ADMIN, group: 'resend-other-group' });
    rememberSecret(other.body.token);
    const refused = await api(connector, 'POST', `/deliveries/${deliveryId}/resend`, other.body.token);
    expect(refused.status).toBe(404);
    expect(refused.body.code).toBe('NOT_FOUND');
  });

  it('refuses to resend to a disabled export with 409 EXPORT_DISABLED, making no delivery', async () => {
    const posted = await postEngagement(connector, token, { id: 'E-resend-disabled' });
    const delivery = posted.deliveries[0] as { id: string; exportId: string };
    const before = await connector.deps.db.delivery.count({ where: { exportId: delivery.exportId } });
    expect((await api(connector, 'PATCH', `/exports/${delivery.exportId}`, token, { enabled: false })).status).toBe(
      200,
    );
    try {
      const refused = await api(connector, 'POST', `/deliveries/${delivery.id}/resend`, token);
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('EXPORT_DISABLED');
      expect(await connector.deps.db.delivery.count({ where: { exportId: delivery.exportId } })).toBe(before);
    } finally {
      await api(connector, 'PATCH', `/exports/${delivery.exportId}`, token, { enabled: true });
    }
  });

  it('says what to do about a parked delivery', async () => {
    // An export never configured for OAuth: its deliveries are parked until it is authorized.
    const parkedExport = await createExport(connector, token, { name: 'Not authorized yet', webhookUrl: receiver.url });
    const posted = await postEngagement(connector, token, { id: 'E-parked' });
    const deliveryId = posted.deliveries.find((d) => d.exportId === parkedExport.id)?.id as string;
    const view = await waitFor(
      () => show(deliveryId),
      (v) => v.status === 'parked',
      'the delivery to be parked',
    );
    expect(view.nextStep).toMatch(/Configure OAuth/);
    expect(view.nextStep).toMatch(/Authorize Export/);
    expect(view.exportName).toBe('Not authorized yet');
  });
});
