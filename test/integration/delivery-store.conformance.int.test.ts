import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../apps/core/db/client.ts';
import { migrate } from '../../apps/core/db/migrate.ts';
import type { DatabaseTarget } from '../../apps/core/db/target.ts';
import { canTransition, type DeliveryStatus } from '../../apps/core/deliveries/state.ts';
import { deliveryIdFor } from '../../apps/core/deliveries/store/delivery-id.ts';
import {
  CUT_OFF_ATTEMPT_ERROR,
  type DeliveryStore,
  type NewEngagement,
} from '../../apps/core/deliveries/store/delivery-store.ts';
import { openDeliveryStore } from '../../apps/core/deliveries/store/index.ts';

// One suite, every DeliveryStore implementation (apps/core/deliveries/store/): SQLite always,
// PostgreSQL too when TEST_POSTGRES_URL is set, in the same run. Each runs on a freshly migrated
// database of its own, opened the way the composition root opens it (apps/core/deps.ts).

interface Backend {
  name: 'sqlite' | 'postgresql';
  open(): Promise<{ target: DatabaseTarget; drop(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'store-conformance-'));
      return {
        target: { provider: 'sqlite', file: join(dir, 'store.db') },
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
];
const postgresUrl = process.env.TEST_POSTGRES_URL;
if (postgresUrl) {
  backends.push({
    name: 'postgresql',
    open: async () => {
      const schema = `store_${randomBytes(6).toString('hex')}`;
      return {
        target: { provider: 'postgresql', connectionString: postgresUrl, schema },
        drop: async () => {
          const client = new pg.Client({ connectionString: postgresUrl });
          await client.connect();
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await client.end();
        },
      };
    },
  });
}

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe.each(backends)('the $name delivery store', (backend) => {
  let db: Db;
  let store: DeliveryStore;
  let drop: () => Promise<void>;
  let seq = 0;
  const unique = (prefix: string) => `${prefix}_${++seq}_${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    const opened = await backend.open();
    drop = opened.drop;
    await migrate(opened.target);
    const database = await openDatabase(opened.target);
    db = database.db;
    store = openDeliveryStore(database.store);
  });
  afterAll(async () => {
    await store?.close();
    await db?.$disconnect();
    await drop?.();
  });

  /** A group with its exports (enabled unless said otherwise), ids sorted as given. */
  async function group(exports: { id: string; enabled?: boolean; authorized?: boolean; ordered?: boolean }[]) {
    const groupId = unique('grp');
    await db.group.create({ data: { id: groupId, name: groupId } });
    for (const x of exports) {
      await db.export.create({
        data: {
          id: x.id,
          groupId,
          name: x.id,
          webhookUrl: 'http://127.0.0.1:9/hook',
          enabled: x.enabled ?? true,
          ordered: x.ordered ?? false,
          signingSecretEnc: 'k:iv:tag:data',
        },
      });
      if (x.authorized !== undefined) {
        await db.oAuthConnection.create({
          data: { exportId: x.id, status: x.authorized ? 'authorized' : 'not_authorized' },
        });
      }
    }
    return groupId;
  }

  function engagement(groupId: string, externalId = unique('ext'), id = unique('eng')): NewEngagement {
    return { id, groupId, externalId, json: JSON.stringify({ id: externalId }) };
  }

  /** One pending delivery, ingested, for tests of what follows ingest. */
  async function pendingDelivery(now = T0) {
    const exportId = unique('exp');
    const groupId = await group([{ id: exportId, authorized: true }]);
    const e = engagement(groupId);
    const created = await store.ingest([e], now);
    const delivery = created.get(e.id)?.[0];
    if (!delivery) throw new Error('no delivery made');
    return { ...delivery, groupId, engagement: e };
  }

  const row = (id: string) => db.delivery.findUniqueOrThrow({ where: { id } });
  const attemptsOf = async (deliveryId: string) =>
    (await db.deliveryAttempt.findMany({ where: { deliveryId }, orderBy: { attempt: 'asc' } })).map((a) => [
      a.attempt,
      a.startedAt,
      a.statusCode,
      a.durationMs,
      a.error,
    ]);
  const attemptAt = (n: number, statusCode: number) => ({
    attempt: n,
    startedAt: at(n),
    statusCode,
    durationMs: 5,
    error: null,
    responseSnippet: null,
  });

  describe('ingest', () => {
    it('derives delivery ids by the one id rule, the same on every database', async () => {
      // Fixed ids, so this literal pins the rule itself (store/delivery-id.ts): a change to it on
      // one database or both fails here.
      const groupId = await group([{ id: 'exp_a' }]);
      const e = { ...engagement(groupId), id: 'eng_conformance' };
      const created = await store.ingest([e], T0);
      expect(created.get(e.id)).toEqual([{ id: 'dlv_LTs0uKLm1ytbHuEm02Pu2g', exportId: 'exp_a', status: 'pending' }]);
      expect(deliveryIdFor('eng_conformance', 'exp_a')).toBe('dlv_LTs0uKLm1ytbHuEm02Pu2g');
    });

    it('makes one pending delivery per enabled export of the group, ordered by export id', async () => {
      const [a, b, off] = [unique('exp_b'), unique('exp_a'), unique('exp_c')];
      const groupId = await group([{ id: a }, { id: b }, { id: off, enabled: false }]);
      const e = engagement(groupId);
      const created = await store.ingest([e], T0);
      const expected = [a, b]
        .sort()
        .map((exportId) => ({ id: deliveryIdFor(e.id, exportId), exportId, status: 'pending' }));
      expect(created.get(e.id)).toEqual(expected);
      const rows = await db.delivery.findMany({ where: { engagementId: e.id }, orderBy: { exportId: 'asc' } });
      expect(rows.map((r) => [r.id, r.status, r.attemptCount, r.nextAttemptAt?.toISOString()])).toEqual(
        expected.map((d) => [d.id, 'pending', 0, T0.toISOString()]),
      );
      const stored = await db.engagement.findUniqueOrThrow({ where: { id: e.id } });
      expect([stored.payload, stored.receivedAt.toISOString()]).toEqual([e.json, T0.toISOString()]);
    });

    it('answers an engagement of a group without enabled exports with no deliveries', async () => {
      const groupId = await group([{ id: unique('exp'), enabled: false }]);
      const e = engagement(groupId);
      expect((await store.ingest([e], T0)).get(e.id)).toEqual([]);
    });

    it('is idempotent per group and external id: a repeat inserts nothing and finds the first', async () => {
      const exportId = unique('exp');
      const groupId = await group([{ id: exportId }]);
      const first = engagement(groupId, 'same-external-id');
      const made = await store.ingest([first], T0);
      const again = { ...first, id: unique('eng') };
      const repeat = await store.ingest([again], at(5));
      expect(repeat.has(again.id)).toBe(false);
      expect(await store.findEngagement(groupId, 'same-external-id')).toEqual({
        id: first.id,
        deliveries: made.get(first.id),
      });
      expect(await db.delivery.count({ where: { exportId } })).toBe(1);
      // The same external id in another group is another engagement.
      const otherGroup = await group([]);
      const other = engagement(otherGroup, 'same-external-id');
      expect((await store.ingest([other], T0)).get(other.id)).toEqual([]);
      // Twice in one batch: the first is inserted, the second skipped.
      const twice = engagement(groupId);
      const duplicate = { ...twice, id: unique('eng') };
      const batch = await store.ingest([twice, duplicate], T0);
      expect([batch.has(twice.id), batch.has(duplicate.id)]).toEqual([true, false]);
      expect(await store.findEngagement(groupId, 'never-received')).toBeNull();
    });

    it('numbers an export’s deliveries in the order posted, within a batch and across batches', async () => {
      const [x, y] = [unique('exp'), unique('exp')];
      const groupId = await group([{ id: x }, { id: y }]);
      // One batch (one group commit: the same received_at) in a posted order that is not id order.
      const batch = ['c', 'a', 'b'].map((suffix) =>
        engagement(groupId, unique(`ext_${suffix}`), unique(`eng_${suffix}`)),
      );
      await store.ingest(batch, T0);
      const later = engagement(groupId);
      await store.ingest([later], T0);
      for (const exportId of [x, y]) {
        const rows = await db.delivery.findMany({ where: { exportId }, orderBy: { sequence: 'asc' } });
        expect(rows.map((r) => r.engagementId)).toEqual([...batch.map((e) => e.id), later.id]);
        expect(new Set(rows.map((r) => r.sequence)).size).toBe(rows.length);
      }
    });
  });

  describe('deliveries outside ingest (resend, test event)', () => {
    it('keeps the request id of an ingest on its deliveries', async () => {
      const exportId = unique('exp');
      const groupId = await group([{ id: exportId }]);
      const e = { ...engagement(groupId), requestId: 'req-conformance-1' };
      const [made] = (await store.ingest([e], T0)).get(e.id) ?? [];
      expect((await row(made?.id as string)).requestId).toBe('req-conformance-1');
    });

    it('adds a second delivery of an engagement after everything its export has, and claims it with its type', async () => {
      const exportId = unique('exp');
      const groupId = await group([{ id: exportId, ordered: true }]);
      const first = engagement(groupId);
      const [original] = (await store.ingest([first], T0)).get(first.id) ?? [];
      const second = engagement(groupId);
      await store.ingest([second], at(1));
      const resendId = unique('dlv');
      await store.addDelivery(
        {
          id: resendId,
          exportId,
          groupId,
          engagementId: first.id,
          eventType: 'engagement.completed',
          requestId: 'req-r',
        },
        at(2),
      );
      const rows = await db.delivery.findMany({ where: { exportId }, orderBy: { sequence: 'asc' } });
      expect(rows.map((r) => r.id)).toEqual([original?.id, expect.any(String), resendId]);
      expect(rows[2]).toMatchObject({ status: 'pending', engagementId: first.id, requestId: 'req-r', attemptCount: 0 });
      expect(rows[2]?.nextAttemptAt).toEqual(at(2));
      // A repeated engagement still answers the delivery ingest made, not the resend.
      const found = await store.findEngagement(groupId, first.externalId);
      expect(found?.deliveries.map((d) => d.id).sort()).toEqual([original?.id, resendId].sort());

      // A test event brings its own engagement, inserted with it.
      const testEngagement = engagement(groupId, `connector-test-event:${unique('tst')}`);
      const testId = unique('dlv');
      await store.addDelivery(
        {
          id: testId,
          exportId,
          groupId,
          engagementId: testEngagement.id,
          eventType: 'engagement.test',
          requestId: null,
          engagement: testEngagement,
        },
        at(3),
      );
      expect(await db.engagement.findUniqueOrThrow({ where: { id: testEngagement.id } })).toMatchObject({
        groupId,
        externalId: testEngagement.externalId,
        payload: testEngagement.json,
      });
      // Not ordered any more, so each claims at once (the ordered export holds them behind the first).
      await db.export.update({ where: { id: exportId }, data: { ordered: false } });
      const claimed = await store.claim(
        [
          { deliveryId: resendId, attemptCount: 0, rerun: false },
          { deliveryId: testId, attemptCount: 0, rerun: false },
        ],
        at(4),
      );
      const byId = new Map(claimed.map((c) => [c.id, c]));
      expect(byId.get(resendId)).toMatchObject({ eventType: 'engagement.completed', requestId: 'req-r', groupId });
      expect(byId.get(testId)).toMatchObject({
        eventType: 'engagement.test',
        requestId: null,
        engagement: { payload: testEngagement.json, receivedAt: at(3) },
      });
    });
  });

  describe('claim', () => {
    it('takes a pending delivery once at the attempt count its wake-up names', async () => {
      const d = await pendingDelivery();
      expect(await store.claim([{ deliveryId: d.id, attemptCount: 1, rerun: false }], at(1))).toEqual([]);
      const [claimed] = await store.claim([{ deliveryId: d.id, attemptCount: 0, rerun: false }], at(1));
      expect(claimed).toEqual({
        id: d.id,
        exportId: d.exportId,
        attemptCount: 0,
        scheduleIndex: 0,
        engagement: { payload: d.engagement.json, receivedAt: T0 },
        groupId: d.groupId,
        eventType: 'engagement.completed',
        requestId: null,
      });
      expect(await store.claim([{ deliveryId: d.id, attemptCount: 0, rerun: false }], at(2))).toEqual([]);
      expect(transition('pending', (await row(d.id)).status)).toBe('delivering');
      expect((await row(d.id)).updatedAt).toEqual(at(1));
      // A job run again after its worker died takes its own claim back, and the attempt its worker
      // was making is recorded and counted: the record does not say one request when two went out.
      const rerun = await store.claim([{ deliveryId: d.id, attemptCount: 0, rerun: true }], at(3));
      expect(rerun.map((c) => [c.id, c.attemptCount])).toEqual([[d.id, 1]]);
      const r = await row(d.id);
      expect([r.status, r.attemptCount, r.lastError, r.updatedAt]).toEqual([
        'delivering',
        1,
        CUT_OFF_ATTEMPT_ERROR,
        at(3),
      ]);
      expect(await attemptsOf(d.id)).toEqual([[1, at(1), null, 0, CUT_OFF_ATTEMPT_ERROR]]);
      // Its outcome is then written at the new count.
      await store.recordOutcomes(
        [
          {
            deliveryId: d.id,
            claimedAttemptCount: 1,
            attempts: [{ ...attemptAt(2, 200), id: unique('att') }],
            attemptCount: 2,
            status: 'delivered',
            nextAttemptAt: null,
            lastError: null,
          },
        ],
        at(4),
      );
      expect([(await row(d.id)).status, (await row(d.id)).attemptCount]).toEqual(['delivered', 2]);
      // A rerun of a job whose delivery is still pending (it died before claiming) is a plain claim.
      const other = await pendingDelivery();
      const plain = await store.claim([{ deliveryId: other.id, attemptCount: 0, rerun: true }], at(5));
      expect(plain.map((c) => [c.id, c.attemptCount])).toEqual([[other.id, 0]]);
      expect(await attemptsOf(other.id)).toEqual([]);
    });

    it('gives a delivery to exactly one of several concurrent claims', async () => {
      const d = await pendingDelivery();
      const key = { deliveryId: d.id, attemptCount: 0, rerun: false };
      const results = await Promise.all(Array.from({ length: 5 }, () => store.claim([key], at(1))));
      expect(results.flat().map((c) => c.id)).toEqual([d.id]);
    });

    it('claims several deliveries in one call and leaves the others', async () => {
      const [a, b] = [await pendingDelivery(), await pendingDelivery()];
      const claimed = await store.claim(
        [
          { deliveryId: a.id, attemptCount: 0, rerun: false },
          { deliveryId: b.id, attemptCount: 3, rerun: false },
          { deliveryId: 'dlv_missing', attemptCount: 0, rerun: false },
        ],
        at(1),
      );
      expect(claimed.map((c) => c.id)).toEqual([a.id]);
      expect((await row(b.id)).status).toBe('pending');
    });
  });

  describe('outcomes', () => {
    it('records attempts and the new state, guarded by the claimed attempt count', async () => {
      const d = await pendingDelivery();
      await store.claim([{ deliveryId: d.id, attemptCount: 0, rerun: false }], at(1));
      const attempt = (n: number, statusCode: number | null) => ({
        id: unique('att'),
        attempt: n,
        startedAt: at(n),
        statusCode,
        durationMs: 12.4,
        error: statusCode === 200 ? null : 'HTTP 503',
        responseSnippet: statusCode === null ? null : 'body',
        requestUrl: 'https://crm.example/hook',
        requestHeaders: JSON.stringify({ authorization: 'Bearer ****' }),
        responseHeaders: statusCode === null ? null : JSON.stringify({ 'retry-after': '5' }),
      });
      await store.recordOutcomes(
        [
          {
            deliveryId: d.id,
            claimedAttemptCount: 0,
            attempts: [attempt(1, 503)],
            attemptCount: 1,
            status: 'pending',
            nextAttemptAt: at(60),
            lastError: 'HTTP 503',
            scheduleIndex: 1,
            lastStatusCode: 503,
          },
        ],
        at(2),
      );
      let r = await row(d.id);
      expect([r.status, r.attemptCount, r.scheduleIndex, r.lastStatusCode, r.lastError, r.nextAttemptAt]).toEqual([
        'pending',
        1,
        1,
        503,
        'HTTP 503',
        at(60),
      ]);
      expect(transition('delivering', r.status)).toBe('pending');

      // A stale worker's outcome (claimed at 0, the row is at 1 now) changes nothing.
      await store.recordOutcomes(
        [
          {
            deliveryId: d.id,
            claimedAttemptCount: 0,
            attempts: [],
            attemptCount: 1,
            status: 'failed',
            nextAttemptAt: null,
            lastError: 'stale',
          },
        ],
        at(3),
      );
      expect((await row(d.id)).status).toBe('pending');

      await store.claim([{ deliveryId: d.id, attemptCount: 1, rerun: false }], at(61));
      // Fields left out (schedule index, last status code) keep their value; `delivered` sets delivered_at.
      await store.recordOutcomes(
        [
          {
            deliveryId: d.id,
            claimedAttemptCount: 1,
            attempts: [attempt(2, null), attempt(3, 200)],
            attemptCount: 3,
            status: 'delivered',
            nextAttemptAt: null,
            lastError: null,
          },
        ],
        at(62),
      );
      r = await row(d.id);
      expect([r.status, r.attemptCount, r.scheduleIndex, r.lastStatusCode, r.deliveredAt, r.parkedAt]).toEqual([
        'delivered',
        3,
        1,
        503,
        at(62),
        null,
      ]);
      const attempts = await db.deliveryAttempt.findMany({ where: { deliveryId: d.id }, orderBy: { attempt: 'asc' } });
      expect(attempts.map((a) => [a.attempt, a.statusCode, a.durationMs, a.startedAt])).toEqual([
        [1, 503, 12, at(1)],
        [2, null, 12, at(2)],
        [3, 200, 12, at(3)],
      ]);
      // What the inspector shows is kept as written.
      expect(attempts.map((a) => [a.requestUrl, a.requestHeaders, a.responseHeaders, a.responseSnippet])).toEqual([
        ['https://crm.example/hook', '{"authorization":"Bearer ****"}', '{"retry-after":"5"}', 'body'],
        ['https://crm.example/hook', '{"authorization":"Bearer ****"}', null, null],
        ['https://crm.example/hook', '{"authorization":"Bearer ****"}', '{"retry-after":"5"}', 'body'],
      ]);
    });

    it('parks a delivery with parked_at set', async () => {
      const d = await pendingDelivery();
      await store.claim([{ deliveryId: d.id, attemptCount: 0, rerun: false }], at(1));
      await store.recordOutcomes(
        [
          {
            deliveryId: d.id,
            claimedAttemptCount: 0,
            attempts: [],
            attemptCount: 0,
            status: 'parked',
            nextAttemptAt: null,
            lastError: 'waiting',
          },
        ],
        at(2),
      );
      const r = await row(d.id);
      expect([r.status, r.parkedAt, r.attemptCount]).toEqual(['parked', at(2), 0]);
    });
  });

  describe("the sweeper's and parking's queries", () => {
    it('puts back deliveries claimed before the lease, and only those, counting the attempt cut off', async () => {
      const [old, fresh] = [await pendingDelivery(), await pendingDelivery()];
      await store.claim([{ deliveryId: old.id, attemptCount: 0, rerun: false }], at(10));
      await store.claim([{ deliveryId: fresh.id, attemptCount: 0, rerun: false }], at(100));
      const back = await store.reclaimStale(at(50), 1000, at(200));
      // Its new attempt count, which its next wake-up's job id names (jobs.ts).
      expect(back.filter((d) => d.id === old.id)).toEqual([
        { id: old.id, exportId: old.exportId, attemptCount: 1, nextAttemptAt: T0 },
      ]);
      expect(back.map((d) => d.id)).not.toContain(fresh.id);
      const r = await row(old.id);
      expect([r.status, r.attemptCount, r.lastError, r.updatedAt]).toEqual([
        'pending',
        1,
        CUT_OFF_ATTEMPT_ERROR,
        at(200),
      ]);
      expect(await attemptsOf(old.id)).toEqual([[1, at(10), null, 0, CUT_OFF_ATTEMPT_ERROR]]);
      expect((await row(fresh.id)).status).toBe('delivering');
      expect(await attemptsOf(fresh.id)).toEqual([]);
      // Taken back once: the next sweep finds nothing more of it.
      expect((await store.reclaimStale(at(50), 1000, at(201))).map((d) => d.id)).not.toContain(old.id);
      // It is claimed again at its new count.
      const [again] = await store.claim([{ deliveryId: old.id, attemptCount: 1, rerun: false }], at(202));
      expect(again?.attemptCount).toBe(1);
    });

    it('lists overdue pending deliveries, most overdue first, up to the limit, leaving out the exports named', async () => {
      const late = await pendingDelivery(at(-7200));
      const later = await pendingDelivery(at(-3600));
      const due = await store.overdue(at(-60), 1000);
      const mine = due.filter((d) => d.id === late.id || d.id === later.id);
      expect(mine).toEqual([
        { id: late.id, exportId: late.exportId, attemptCount: 0, nextAttemptAt: at(-7200) },
        { id: later.id, exportId: later.exportId, attemptCount: 0, nextAttemptAt: at(-3600) },
      ]);
      expect(await store.overdue(at(-60), 1)).toHaveLength(1);
      const skipping = await store.overdue(at(-60), 1000, [late.exportId]);
      expect(skipping.map((d) => d.id)).not.toContain(late.id);
      expect(skipping.map((d) => d.id)).toContain(later.id);
    });

    it('parks an export’s pending deliveries and resumes them oldest first', async () => {
      const exportId = unique('exp');
      const groupId = await group([{ id: exportId, authorized: true }]);
      const ids: string[] = [];
      for (const second of [1, 2, 3]) {
        const e = engagement(groupId);
        ids.push((await store.ingest([e], at(second))).get(e.id)?.[0]?.id as string);
      }
      expect(await store.parkExport(exportId, 'no token', at(10))).toBe(3);
      const parked = await row(ids[0] as string);
      expect([parked.status, parked.parkedAt, parked.nextAttemptAt, parked.lastError]).toEqual([
        'parked',
        at(10),
        null,
        'no token',
      ]);
      expect(await store.exportsToResume(at(5))).not.toContain(exportId);
      expect(await store.exportsToResume(at(40))).toContain(exportId);

      const first = await store.resumeParked(exportId, 2, at(50));
      expect(first).toEqual(ids.slice(0, 2).map((id) => ({ id, exportId, attemptCount: 0, nextAttemptAt: at(50) })));
      const rest = await store.resumeParked(exportId, 2, at(51));
      expect(rest.map((d) => d.id)).toEqual([ids[2]]);
      expect(await store.resumeParked(exportId, 2, at(52))).toEqual([]);
      const resumed = await row(ids[0] as string);
      expect([resumed.status, resumed.parkedAt]).toEqual(['pending', null]);
      expect(await store.exportsToResume(at(100))).not.toContain(exportId);
    });

    it('resumes nothing of an export that is disabled or not authorized', async () => {
      const [off, unauthorized] = [unique('exp'), unique('exp')];
      const groupId = await group([
        { id: off, authorized: true },
        { id: unauthorized, authorized: false },
      ]);
      await store.ingest([engagement(groupId)], T0);
      await store.parkExport(off, 'parked', at(1));
      await store.parkExport(unauthorized, 'parked', at(1));
      await db.export.update({ where: { id: off }, data: { enabled: false } });
      const resumable = await store.exportsToResume(at(100));
      expect(resumable).not.toContain(off);
      expect(resumable).not.toContain(unauthorized);
    });
  });

  describe('ordered exports', () => {
    /** An ordered export with `count` deliveries posted in one batch, in sequence order. */
    async function orderedBacklog(count: number, ordered = true) {
      const exportId = unique('exp');
      const groupId = await group([{ id: exportId, authorized: true, ordered }]);
      const batch = Array.from({ length: count }, () => engagement(groupId));
      const created = await store.ingest(batch, T0);
      return { exportId, ids: batch.map((e) => created.get(e.id)?.[0]?.id as string) };
    }
    const key = (deliveryId: string, attemptCount = 0) => ({ deliveryId, attemptCount, rerun: false });
    const finish = (deliveryId: string, status: 'delivered' | 'failed' | 'dead' | 'parked' | 'pending', claimed = 0) =>
      store.recordOutcomes(
        [
          {
            deliveryId,
            claimedAttemptCount: claimed,
            attempts: status === 'parked' ? [] : [{ ...attemptAt(claimed + 1, 500), id: unique('att') }],
            attemptCount: status === 'parked' ? claimed : claimed + 1,
            status,
            nextAttemptAt: status === 'pending' ? at(600) : null,
            lastError: status === 'delivered' ? null : 'HTTP 500',
          },
        ],
        at(2),
      );

    it('claims only the head: a later one is held while an earlier one is pending, delivering or parked', async () => {
      const { exportId, ids } = await orderedBacklog(4);
      const [a, b, c, d] = ids as [string, string, string, string];
      // All four woken together: only the first in posted order is taken.
      expect((await store.claim([key(d), key(c), key(b), key(a)], at(1))).map((x) => x.id)).toEqual([a]);
      // Held while the head is delivering …
      expect(await store.claim([key(b)], at(1))).toEqual([]);
      expect(await store.orderedHead(exportId)).toMatchObject({ id: a, status: 'delivering', exportId });
      // … and while it waits for its retry (pending) …
      await finish(a, 'pending');
      expect(await store.claim([key(b)], at(3))).toEqual([]);
      expect(await store.orderedHead(exportId)).toMatchObject({ id: a, status: 'pending', attemptCount: 1 });
      // … and while it is parked.
      await store.claim([key(a, 1)], at(4));
      await finish(a, 'parked', 1);
      expect(await store.claim([key(b)], at(5))).toEqual([]);
      expect(await store.orderedHead(exportId)).toMatchObject({ id: a, status: 'parked' });
      // Resumed and delivered: the next one goes, and the one after it is held by that one.
      await store.resumeParked(exportId, 10, at(6));
      await store.claim([key(a, 1)], at(7));
      await finish(a, 'delivered', 1);
      expect((await store.claim([key(c), key(b)], at(8))).map((x) => x.id)).toEqual([b]);
      // Failed and dead hold nothing.
      await finish(b, 'failed');
      expect((await store.claim([key(c)], at(9))).map((x) => x.id)).toEqual([c]);
      await finish(c, 'dead');
      expect(await store.orderedHead(exportId)).toMatchObject({ id: d, status: 'pending' });
      expect((await store.claim([key(d)], at(10))).map((x) => x.id)).toEqual([d]);
      await finish(d, 'delivered');
      expect(await store.orderedHead(exportId)).toBeNull();
    });

    it('sends a test event beside the order: it is neither held nor holds', async () => {
      const { exportId, ids } = await orderedBacklog(2);
      const [a, b] = ids as [string, string];
      const groupId = (await row(a)).groupId;
      const testEngagement = engagement(groupId, `connector-test-event:${unique('tst')}`);
      const testId = unique('dlv');
      await store.addDelivery(
        {
          id: testId,
          exportId,
          groupId,
          engagementId: testEngagement.id,
          eventType: 'engagement.test',
          requestId: null,
          engagement: testEngagement,
        },
        at(1),
      );
      // The head is unfinished, yet the test event (after it in sequence) is taken …
      expect((await store.claim([key(a)], at(1))).map((x) => x.id)).toEqual([a]);
      expect((await store.claim([key(testId)], at(1))).map((x) => x.id)).toEqual([testId]);
      // … and, unfinished itself, holds nothing once the head is delivered, nor is it the head.
      await finish(a, 'delivered');
      expect(await store.orderedHead(exportId)).toMatchObject({ id: b });
      expect((await store.claim([key(b)], at(3))).map((x) => x.id)).toEqual([b]);
    });

    it('holds nothing of an export that is not ordered', async () => {
      const { ids } = await orderedBacklog(3, false);
      expect(
        (
          await store.claim(
            ids.map((id) => key(id)),
            at(1),
          )
        )
          .map((x) => x.id)
          .sort(),
      ).toEqual([...ids].sort());
    });

    it('finds only the head of an ordered export overdue, not the deliveries it holds', async () => {
      const { exportId, ids } = await orderedBacklog(3);
      const due = (await store.overdue(at(60), 100_000)).filter((x) => x.exportId === exportId);
      expect(due.map((x) => x.id)).toEqual([ids[0]]);
      // A rerun of a held delivery that is still pending is held too.
      expect(await store.claim([{ deliveryId: ids[1] as string, attemptCount: 0, rerun: true }], at(1))).toEqual([]);
    });
  });

  it('writes beside a database transaction left open across awaits, and survives its rollback', async () => {
    // Prisma's interactive transaction has written (on SQLite it holds the write lock) and waits.
    const exportId = unique('exp');
    const groupId = await group([{ id: exportId }]);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let wrote: () => void = () => undefined;
    const written = new Promise<void>((resolve) => {
      wrote = resolve;
    });
    const failing = db
      .$transaction(async (tx) => {
        await tx.auditLog.create({ data: { id: unique('aud'), actorType: 'system', action: 'x', outcome: 'success' } });
        wrote();
        await held;
        throw new Error('rolled back on purpose');
      })
      .catch((error: Error) => error.message);
    await written;
    const e = engagement(groupId);
    const ingest = store.ingest([e], T0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    expect(await failing).toBe('rolled back on purpose');
    expect((await ingest).get(e.id)?.map((d) => d.exportId)).toEqual([exportId]);
    expect(await db.engagement.findUnique({ where: { id: e.id } })).not.toBeNull();
    expect(await db.auditLog.count({ where: { action: 'x' } })).toBe(0);
  });
});

/** The state a statement moved a row to, checked against the state machine (deliveries/state.ts). */
function transition(from: DeliveryStatus, to: string): string {
  if (!canTransition(from, to as DeliveryStatus)) throw new Error(`${from} → ${to} is not an allowed transition`);
  return to;
}
