import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestEngagement } from '../../apps/core/engagements/ingest.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { seedTokens, setRetrySchedule, statusCounts } from '../helpers/deliveries.ts';
import { createExport } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { waitUntil } from '../helpers/wait.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

// An ordered export (docs/api/deliveries.md, "Flow control and ordering"): one delivery at a time,
// in the order the engagements were posted, and a failing one holds the later ones.

describe('an ordered export', () => {
  let connector: TestConnector;
  let receiver: WebhookReceiver;
  let exportId: string;
  let groupId: string;
  /** The engagement whose delivery the receiver refuses twice before taking it. */
  const FAILING = 'O-2';
  /** One the receiver always refuses: it goes dead. */
  const DEAD = 'P-1';

  beforeAll(async () => {
    connector = await startConnector();
    rememberSecret(ADMIN.password);
    const token = await connector.adminToken();
    rememberSecret(token);
    const secrets: string[] = [];
    let accessToken = '';
    receiver = await startWebhookReceiver({
      secrets: () => secrets,
      acceptToken: (t) => t === accessToken,
      respond: (request) => {
        const id = request.body.data.id;
        return { status: (id === FAILING && request.nth <= 2) || id === DEAD ? 500 : 200 };
      },
    });
    const exp = await createExport(connector, token, { name: 'CRM', webhookUrl: receiver.url, ordered: true });
    secrets.push(exp.signingSecret);
    exportId = exp.id;
    accessToken = await seedTokens(connector, exportId);
    // Three attempts, 300 ms apart: the test sees a failing one hold the rest for a while.
    await setRetrySchedule(connector, exportId, [0, 0.3, 0.3]);
    groupId = (await connector.deps.db.export.findUniqueOrThrow({ where: { id: exportId } })).groupId;
  });
  afterAll(async () => {
    await receiver?.close();
    await connector?.close();
  });

  it('sends one at a time in posted order; a failing delivery holds the later ones until it is delivered', async () => {
    const { deps } = connector;
    // Posted together: one group commit, so one created_at for all; the order is the posted one,
    // which is not the order of their (random) ids.
    const externalIds = Array.from({ length: 8 }, (_, i) => `O-${i}`);
    const results = await Promise.all(
      externalIds.map((id) => ingestEngagement(deps, groupId, { externalId: id, json: JSON.stringify({ id }) })),
    );
    const ids = results.map((r) => r.deliveries[0]?.id as string);
    const rows = await deps.db.delivery.findMany({ where: { id: { in: ids } } });
    expect(new Set(rows.map((r) => r.createdAt.getTime())).size).toBe(1);
    expect([...ids].sort()).not.toEqual(ids);

    // The failing one has failed twice and waits for its next attempt: every later one is still
    // pending and was never sent.
    const failingId = ids[2] as string;
    await waitUntil(
      async () => {
        const row = await deps.db.delivery.findUniqueOrThrow({ where: { id: failingId } });
        return row.attemptCount === 2 && row.status === 'pending';
      },
      { what: 'the third delivery to fail twice' },
    );
    const later = await deps.db.delivery.findMany({ where: { id: { in: ids.slice(3) } } });
    expect(later.map((r) => r.status)).toEqual(later.map(() => 'pending'));
    for (const id of ids.slice(3)) expect(receiver.requestsFor(id)).toEqual([]);
    expect(receiver.ids()).toEqual(new Set(ids.slice(0, 3)));

    await waitUntil(async () => (await statusCounts(connector, exportId)).delivered === ids.length, {
      what: 'every delivery to be delivered',
      detail: () => statusCounts(connector, exportId),
    });
    // What the receiver saw, in order: each one after the previous one was answered 200.
    expect(receiver.received.map((r) => [r.body.data.id, r.status])).toEqual([
      ['O-0', 200],
      ['O-1', 200],
      [FAILING, 500],
      [FAILING, 500],
      [FAILING, 200],
      ...externalIds.slice(3).map((id) => [id, 200]),
    ]);
    const failing = await deps.db.delivery.findUniqueOrThrow({ where: { id: failingId } });
    expect(failing.attemptCount).toBe(3);
  });

  it('keeps posted order across separate posts too, and a delivery that went dead holds nothing', async () => {
    const { deps } = connector;
    const externalIds = ['P-0', DEAD, 'P-2'];
    const ids: string[] = [];
    for (const id of externalIds) {
      const result = await ingestEngagement(deps, groupId, { externalId: id, json: JSON.stringify({ id }) });
      ids.push(result.deliveries[0]?.id as string);
    }
    await waitUntil(
      async () =>
        (await deps.db.delivery.findUniqueOrThrow({ where: { id: ids[2] as string } })).status === 'delivered',
      { what: 'the last one to be delivered' },
    );
    const seen = receiver.received.filter((r) => ids.includes(r.webhookId)).map((r) => [r.body.data.id, r.status]);
    expect(seen).toEqual([
      ['P-0', 200],
      [DEAD, 500],
      [DEAD, 500],
      [DEAD, 500],
      ['P-2', 200],
    ]);
    expect((await deps.db.delivery.findUniqueOrThrow({ where: { id: ids[1] as string } })).status).toBe('dead');
  });
});
