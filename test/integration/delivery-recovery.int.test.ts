import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_CACHE_MS } from '../../apps/core/deliveries/export-context.ts';
import { BATCH_JOB, deliveryJobId } from '../../apps/core/deliveries/jobs.ts';
import { sweepDeliveries } from '../../apps/core/deliveries/sweeper.ts';
import { newId } from '../../apps/core/ids.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { postEngagement, seedTokens, waitFor } from '../helpers/deliveries.ts';
import { api, createExport } from '../helpers/exports.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

/** The connector's clock runs this far ahead of the real one: moving it expires its caches, no sleep. */
const offset = { ms: 0 };
const clock = { now: () => new Date(Date.now() + offset.ms) };

describe('the sweeper: nothing is lost when a job or a worker is', () => {
  let connector: TestConnector;
  let receiver: WebhookReceiver;
  let token: string;
  let exportId: string;
  let groupId: string;
  const status = async (id: string) =>
    (await connector.deps.db.delivery.findUniqueOrThrow({ where: { id }, select: { status: true } })).status;

  beforeAll(async () => {
    connector = await startConnector({ clock });
    rememberSecret(ADMIN.password);
    token = await connector.adminToken();
    rememberSecret(token);
    const secrets: string[] = [];
    let accessToken = '';
    receiver = await startWebhookReceiver({ secrets: () => secrets, acceptToken: (t) => t === accessToken });
    const exp = await createExport(connector, token, { name: 'CRM', webhookUrl: receiver.url });
    secrets.push(exp.signingSecret);
    exportId = exp.id;
    accessToken = await seedTokens(connector, exportId);
    groupId = (await connector.deps.db.export.findUniqueOrThrow({ where: { id: exportId } })).groupId;
  });
  afterAll(async () => {
    await receiver?.close();
    await connector?.close();
  });

  /** A committed delivery whose job never reached Redis (the process died between the two). */
  async function deliveryWithoutJob(fields: { status: string; updatedAt?: Date }) {
    const engagementId = newId('eng');
    const id = newId('dlv');
    const past = new Date(Date.now() - 60_000);
    await connector.deps.db.engagement.create({
      data: { id: engagementId, groupId, externalId: `lost-${id}`, payload: `{"id":"lost-${id}"}` },
    });
    await connector.deps.db.delivery.create({
      data: { id, exportId, groupId, engagementId, status: fields.status, nextAttemptAt: past, createdAt: past },
    });
    if (fields.updatedAt) {
      await connector.deps.db.delivery.update({ where: { id }, data: { updatedAt: fields.updatedAt } });
    }
    return id;
  }

  it('queues a pending delivery that has no job, once however often it sweeps', async () => {
    const id = await deliveryWithoutJob({ status: 'pending' });
    await connector.deps.queues.delivery.pause();
    await sweepDeliveries(connector.deps);
    await sweepDeliveries(connector.deps);
    const row = await connector.deps.db.delivery.findUniqueOrThrow({ where: { id } });
    const jobs = await connector.deps.queues.delivery.getJobs(['waiting', 'delayed']);
    expect(jobs.filter((j) => 'deliveryId' in j.data && j.data.deliveryId === id).map((j) => j.id)).toEqual([
      deliveryJobId(row),
    ]);
    await connector.deps.queues.delivery.resume();
    await waitFor(
      () => status(id),
      (s) => s === 'delivered',
      'the swept delivery',
    );
    expect(receiver.requestsFor(id)).toHaveLength(1);
  });

  it('puts back a delivery whose worker died mid-attempt and sends it', async () => {
    const id = await deliveryWithoutJob({ status: 'delivering', updatedAt: new Date(Date.now() - 10 * 60_000) });
    // A claim younger than the lease belongs to a worker that may still be sending: left alone.
    const fresh = await deliveryWithoutJob({ status: 'delivering', updatedAt: new Date() });
    const report = await sweepDeliveries(connector.deps);
    expect(report.reclaimed).toBe(1);
    await waitFor(
      () => status(id),
      (s) => s === 'delivered',
      'the reclaimed delivery',
    );
    expect(await status(fresh)).toBe('delivering');
  });

  it('parks deliveries of a disabled export and sends them once it is enabled again', async () => {
    await connector.deps.queues.delivery.pause();
    const posted = await postEngagement(connector, token, { id: 'while-disabled' });
    const id = posted.deliveries[0]?.id as string;
    expect((await api(connector, 'PATCH', `/exports/${exportId}`, token, { enabled: false })).status).toBe(200);
    // Workers see the export disabled once their cache of it expired (EXPORT_CACHE_MS of their clock).
    offset.ms += EXPORT_CACHE_MS;
    await connector.deps.queues.delivery.resume();
    const parked = await waitFor(
      () => api(connector, 'GET', `/deliveries/${id}`, token),
      (d) => d.body.status === 'parked',
      'the delivery to park',
    );
    expect(parked.body).toMatchObject({ attemptCount: 0, lastError: expect.stringContaining('disabled') });

    expect((await api(connector, 'PATCH', `/exports/${exportId}`, token, { enabled: true })).status).toBe(200);
    // Parked long enough ago that the resume hook cannot still be on its way: the sweeper takes over.
    await connector.deps.db.delivery.update({ where: { id }, data: { parkedAt: new Date(Date.now() - 60_000) } });
    const report = await sweepDeliveries(connector.deps);
    expect(report.resumedExports).toBe(1);
    await waitFor(
      () => status(id),
      (s) => s === 'delivered',
      'the resumed delivery',
    );
    expect(receiver.requestsFor(id)).toHaveLength(1);
  });

  it('wakes fresh deliveries up in batches: each in exactly one job, none with more than 50', async () => {
    await connector.deps.queues.delivery.pause();
    const posted = await Promise.all(
      Array.from({ length: 120 }, (_, i) => postEngagement(connector, token, { id: `batch-${i}` })),
    );
    const ids = posted.map((p) => p.deliveries[0]?.id as string);
    const jobs = (await connector.deps.queues.delivery.getJobs(['waiting'])).filter((j) => j.name === BATCH_JOB);
    const woken = jobs.flatMap((j) => ('deliveries' in j.data ? j.data.deliveries.map((d) => d.id) : []));
    expect(woken.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
    expect(Math.max(...jobs.map((j) => ('deliveries' in j.data ? j.data.deliveries.length : 0)))).toBeLessThanOrEqual(
      50,
    );
    await connector.deps.queues.delivery.resume();
    await waitFor(
      () => connector.deps.db.delivery.count({ where: { id: { in: ids }, status: 'delivered' } }),
      (n) => n === ids.length,
      'the batched deliveries',
    );
    for (const id of ids) expect(receiver.requestsFor(id)).toHaveLength(1);
  });

  it('an engagement taken while another database transaction is open is not rolled back with it', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A transaction that stays open across awaits and then fails (as a rejected admin change would).
    const failing = connector.deps.db
      .$transaction(async (tx) => {
        await tx.auditLog.count();
        await held;
        throw new Error('rolled back on purpose');
      })
      .catch((error: Error) => error.message);
    const ingest = postEngagement(connector, token, { id: 'beside-a-transaction' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    expect(await failing).toBe('rolled back on purpose');
    const posted = await ingest;
    const stored = await connector.deps.db.engagement.findUnique({ where: { id: posted.engagementId } });
    expect(stored?.externalId).toBe('beside-a-transaction');
    await waitFor(
      () => status(posted.deliveries[0]?.id as string),
      (s) => s === 'delivered',
      'the delivery of the engagement taken beside the transaction',
    );
  });
});
