import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../apps/core/ids.ts';
import { sweepRetention } from '../../apps/core/retention/sweep.ts';
import { seedStatements } from '../../bench/lib/seed.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { postEngagement, seedTokens, waitFor } from '../helpers/deliveries.ts';
import { createExport } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

/**
 * The connector's clock runs this far ahead of the real one: moving it ages every row, no sleep.
 * It stays within the 5 minutes a receiver accepts a webhook's timestamp (Standard Webhooks).
 */
const offset = { ms: 0 };
const clock = { now: () => new Date(Date.now() + offset.ms) };
const SECOND = 1000;

describe('retention: old rows go in small batches, what is still needed stays', () => {
  let connector: TestConnector;
  let receiver: WebhookReceiver;
  let token: string;
  let groupId: string;
  /** Authorized: its deliveries are delivered. */
  let sent: string;
  /** Never authorized: its deliveries park, and rows seeded on it are never sent. */
  let idle: string;

  beforeAll(async () => {
    connector = await startConnector({
      clock,
      env: { RETENTION_DELIVERED: '20s', RETENTION_FAILED: '40s', RETENTION_AUDIT: '80s' },
    });
    rememberSecret(ADMIN.password);
    token = await connector.adminToken();
    rememberSecret(token);
    const secrets: string[] = [];
    let accessToken = '';
    receiver = await startWebhookReceiver({ secrets: () => secrets, acceptToken: (t) => t === accessToken });
    const exp = await createExport(connector, token, { name: 'CRM', webhookUrl: receiver.url });
    secrets.push(exp.signingSecret);
    sent = exp.id;
    accessToken = await seedTokens(connector, sent);
    groupId = (await connector.deps.db.export.findUniqueOrThrow({ where: { id: sent } })).groupId;
  });
  afterAll(async () => {
    await receiver?.close();
    await connector?.close();
  });

  const db = () => connector.deps.db;
  const exists = {
    delivery: async (id: string) => (await db().delivery.count({ where: { id } })) === 1,
    engagement: async (id: string) => (await db().engagement.count({ where: { id } })) === 1,
    attempts: (deliveryId: string) => db().deliveryAttempt.count({ where: { deliveryId } }),
  };
  const statusOf = async (id: string) => (await db().delivery.findUnique({ where: { id } }))?.status;
  /** A delivery written as the store would have, with `attempts` attempt rows, on its own engagement. */
  async function seedDelivery(exportId: string, status: string, attempts: number) {
    const engagementId = newId('eng');
    const id = newId('dlv');
    await db().engagement.create({
      data: { id: engagementId, groupId, externalId: `seed-${id}`, payload: `{"id":"seed-${id}"}` },
    });
    await db().delivery.create({
      data: {
        id,
        exportId,
        groupId,
        engagementId,
        status,
        attemptCount: attempts,
        // Far ahead: the sweeper never queues it, whatever the test does to the clock.
        nextAttemptAt: status === 'pending' ? new Date(Date.now() + 86_400_000) : null,
        parkedAt: status === 'parked' ? new Date() : null,
      },
    });
    for (let n = 1; n <= attempts; n++) {
      await db().deliveryAttempt.create({
        data: { id: newId('att'), deliveryId: id, attempt: n, startedAt: new Date(), statusCode: 500, durationMs: 5 },
      });
    }
    return { id, engagementId };
  }

  it('deletes finished deliveries, their attempts and engagements by their windows, and keeps the rest', async () => {
    // Delivered to `sent` only (the idle export does not exist yet).
    const alone = await postEngagement(connector, token, { id: 'ret-alone', channel: 'chat' });
    const aloneDelivery = alone.deliveries[0]?.id as string;
    await waitFor(
      () => statusOf(aloneDelivery),
      (s) => s === 'delivered',
      'the first delivery',
    );
    expect(await exists.attempts(aloneDelivery)).toBe(1);

    idle = (await createExport(connector, token, { name: 'Not authorized', webhookUrl: receiver.url })).id;
    // Delivered to `sent`, parked for `idle`: the engagement is still needed after the delivered one goes.
    const shared = await postEngagement(connector, token, { id: 'ret-shared', channel: 'chat' });
    const sharedSent = shared.deliveries.find((d) => d.exportId === sent)?.id as string;
    const sharedIdle = shared.deliveries.find((d) => d.exportId === idle)?.id as string;
    await waitFor(
      () => statusOf(sharedSent),
      (s) => s === 'delivered',
      'the shared engagement delivered',
    );
    await waitFor(
      () => statusOf(sharedIdle),
      (s) => s === 'parked',
      'the shared engagement parked',
    );

    const failed = await seedDelivery(idle, 'failed', 2);
    const dead = await seedDelivery(idle, 'dead', 3);
    const pending = await seedDelivery(idle, 'pending', 1);
    const parked = await seedDelivery(idle, 'parked', 0);
    const delivering = await seedDelivery(idle, 'delivering', 1);
    // An engagement of a group without exports never has a delivery.
    const lonely = newId('eng');
    await db().engagement.create({ data: { id: lonely, groupId, externalId: 'ret-lonely', payload: '{}' } });
    const old = (extra: Record<string, unknown>) => ({
      id: newId('oar'),
      exportId: idle,
      groupId,
      stateHash: newId('st'),
      browserBindingHash: 'x',
      codeVerifierEnc: 'x',
      redirectUri: 'http://127.0.0.1/oauth/callback',
      status: 'started',
      expiresAt: new Date(Date.now() + 86_400_000),
      ...extra,
    });
    const authorized = old({ status: 'authorized' });
    const waiting = old({});
    const expired = old({ expiresAt: new Date(Date.now() + 30 * SECOND) });
    await db().authorizationRequest.createMany({ data: [authorized, waiting, expired] });
    const outbox = (status: string) => ({
      id: newId('ntf'),
      groupId,
      channel: 'webhook',
      type: 'export.failing',
      payload: '{}',
      status,
    });
    const [wasSent, gaveUp, toSend] = [outbox('sent'), outbox('failed'), outbox('pending')];
    await db().notificationOutbox.createMany({ data: [wasSent, gaveUp, toSend] });
    const auditBefore = await db().auditLog.count();
    expect(auditBefore).toBeGreaterThan(0);

    // Younger than every window: nothing goes.
    offset.ms = 10 * SECOND;
    let report = await sweepRetention(connector.deps);
    expect(Object.values(report.deleted).every((n) => n === 0)).toBe(true);
    expect(await exists.engagement(lonely)).toBe(true);

    // Past RETENTION_DELIVERED (20 s), within RETENTION_FAILED (40 s).
    offset.ms = 21 * SECOND;
    report = await sweepRetention(connector.deps);
    expect(report.complete).toBe(true);
    expect(await exists.delivery(aloneDelivery)).toBe(false);
    expect(await exists.attempts(aloneDelivery)).toBe(0);
    expect(await exists.engagement(alone.engagementId)).toBe(false);
    expect(await exists.delivery(sharedSent)).toBe(false);
    expect(await exists.delivery(sharedIdle)).toBe(true);
    expect(await exists.engagement(shared.engagementId)).toBe(true);
    expect(await exists.engagement(lonely)).toBe(false);
    for (const kept of [failed, dead]) {
      expect(await exists.delivery(kept.id)).toBe(true);
      expect(await exists.engagement(kept.engagementId)).toBe(true);
    }
    expect(await exists.attempts(dead.id)).toBe(3);
    expect(report.deleted).toMatchObject({ deliveries: 2, delivery_attempts: 2, engagements: 2, audit_log: 0 });
    expect(await db().notificationOutbox.findMany({ select: { id: true } })).toEqual([{ id: toSend.id }]);
    expect(report.deleted.notification_outbox).toBe(2);

    // Past RETENTION_FAILED: failed and dead go with their attempts; unfinished ones never do.
    offset.ms = 41 * SECOND;
    report = await sweepRetention(connector.deps);
    for (const gone of [failed, dead]) {
      expect(await exists.delivery(gone.id)).toBe(false);
      expect(await exists.attempts(gone.id)).toBe(0);
      expect(await exists.engagement(gone.engagementId)).toBe(false);
    }
    for (const kept of [pending, parked, delivering]) {
      expect(await exists.delivery(kept.id)).toBe(true);
      expect(await exists.engagement(kept.engagementId)).toBe(true);
    }
    expect(await exists.attempts(pending.id)).toBe(1);
    expect(await exists.delivery(sharedIdle)).toBe(true);
    expect(report.deleted).toMatchObject({ deliveries: 2, delivery_attempts: 5, engagements: 2, audit_log: 0 });
    // Finished, or expired unused: gone. One still waiting for its callback stays.
    const requests = await db().authorizationRequest.findMany({ select: { id: true } });
    expect(requests).toEqual([{ id: waiting.id }]);
    expect(await db().auditLog.count()).toBeGreaterThanOrEqual(auditBefore);

    // Past RETENTION_AUDIT (80 s).
    offset.ms = 81 * SECOND;
    report = await sweepRetention(connector.deps);
    expect(report.deleted.audit_log).toBeGreaterThanOrEqual(auditBefore);
    expect(await db().auditLog.count({ where: { createdAt: { lt: new Date(Date.now() - SECOND) } } })).toBe(0);
    for (const kept of [pending, parked, delivering]) expect(await exists.delivery(kept.id)).toBe(true);

    const metrics = await connector.deps.metrics.registry.getSingleMetricAsString('connector_retention_deleted_total');
    expect(metrics).toMatch(/connector_retention_deleted_total\{table="deliveries"\} [4-9]/);
  });

  it('answers a repeat while the engagement is kept; once it is deleted, the same id is new', async () => {
    // A parked delivery is never deleted, and its engagement stays with it: only `sent` takes this one.
    await db().export.update({ where: { id: idle }, data: { enabled: false } });
    const first = await postEngagement(connector, token, { id: 'ret-again', channel: 'chat' });
    expect(first.deliveries.map((d) => d.exportId)).toEqual([sent]);
    const delivery = first.deliveries[0]?.id as string;
    await waitFor(
      () => statusOf(delivery),
      (s) => s === 'delivered',
      'the first delivery',
    );

    const repeat = await postEngagement(connector, token, { id: 'ret-again', channel: 'chat' });
    expect(repeat).toMatchObject({ engagementId: first.engagementId, duplicate: true });

    offset.ms += 21 * SECOND;
    await sweepRetention(connector.deps);
    expect(await exists.engagement(first.engagementId)).toBe(false);

    const again = await postEngagement(connector, token, { id: 'ret-again', channel: 'chat' });
    expect(again.duplicate).toBe(false);
    expect(again.engagementId).not.toBe(first.engagementId);
    const redelivery = again.deliveries[0]?.id as string;
    expect(redelivery).not.toBe(delivery);
    await waitFor(
      () => statusOf(redelivery),
      (s) => s === 'delivered',
      'the same id delivered again',
    );
    expect(receiver.received.filter((r) => r.body.data.id === 'ret-again').map((r) => r.webhookId)).toEqual([
      delivery,
      redelivery,
    ]);
  });

  it('keeps delivering while a sweep deletes many thousands of rows', async () => {
    const rows = 5_000;
    const statements = seedStatements({
      provider: connector.database.provider,
      schema:
        connector.database.provider === 'postgresql'
          ? (new URL(connector.database.url).searchParams.get('schema') ?? undefined)
          : undefined,
      groupId,
      exportId: sent,
      from: 0,
      to: rows,
      prefix: 'old',
      at: new Date(clock.now().getTime() - 86_400_000),
    });
    for (const sql of statements) await db().$executeRawUnsafe(sql);
    expect(await db().delivery.count({ where: { status: 'delivered', id: { startsWith: 'dlv_old' } } })).toBe(rows);

    const deletedDeliveries = async () =>
      (await connector.deps.metrics.retentionDeleted.get()).values.find((v) => v.labels.table === 'deliveries')
        ?.value ?? 0;
    const before = await deletedDeliveries();
    let done = false;
    const sweep = sweepRetention(connector.deps).finally(() => {
      done = true;
    });
    // Engagements keep arriving while the sweep works; every 10 ms, how far each has got.
    const posted: string[] = [];
    const progress: { deleted: number; received: number }[] = [];
    const received = () => receiver.received.filter((r) => posted.includes(r.webhookId)).length;
    const watch = (async () => {
      while (!done) {
        progress.push({ deleted: (await deletedDeliveries()) - before, received: received() });
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    for (let i = 0; !done; i++) {
      const answer = await postEngagement(connector, token, { id: `during-${i}`, channel: 'chat' });
      posted.push(answer.deliveries[0]?.id as string);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const report = await sweep;
    await watch;
    await waitFor(
      async () => Promise.all(posted.map(statusOf)),
      (statuses) => statuses.every((s) => s === 'delivered'),
      'the deliveries posted during the sweep',
    );
    // Deliveries arrived between the sweep's batches, while old rows were still being deleted: it
    // never held the database for the whole of its work.
    const midway = progress.filter((p) => p.deleted > 0 && p.deleted < rows);
    const deliveredMidway = (midway.at(-1)?.received ?? 0) - (midway[0]?.received ?? 0);
    expect(deliveredMidway, JSON.stringify(progress.filter((_, i) => i % 20 === 0))).toBeGreaterThan(0);
    expect(report.deleted.deliveries).toBe(rows);
    expect(report.deleted.delivery_attempts).toBe(rows);
    expect(report.deleted.engagements).toBe(rows);
    expect(await db().delivery.count({ where: { id: { startsWith: 'dlv_old' } } })).toBe(0);
    expect(await db().deliveryAttempt.count({ where: { id: { startsWith: 'att_old' } } })).toBe(0);
  });
});
