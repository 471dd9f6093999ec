import { recordAudit } from '../audit.ts';
import { auditActor, type Caller } from '../auth/caller.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import { queueDeliveryBatches } from './jobs.ts';

/**
 * The start of a test event's engagement id (`id` in its data, `external_id` in the database).
 * Its random rest (128 bits) keeps idempotent ingest of a client's id from ever finding a test
 * event's engagement, and its shape says what it is wherever it shows.
 */
export const TEST_EVENT_ID_PREFIX = 'connector-test-event:';

/**
 * A test event to one export (POST /v1/exports/:id/test, "Send test event"): a delivery of type
 * `engagement.test` carrying a small sample engagement marked as a test, sent like any other
 * delivery (the export's access token, signature, flow control, retries, log), to this export
 * alone. It counts as no ingested engagement. A disabled export refuses it (409 EXPORT_DISABLED):
 * it would only be parked.
 */
export async function sendTestEvent(
  deps: Pick<Deps, 'db' | 'store' | 'queues' | 'clock'>,
  who: Caller,
  exportId: string,
  requestId: string | null,
): Promise<{ deliveryId: string }> {
  const exp = await deps.db.export.findFirst({
    where: { id: exportId, groupId: who.groupId },
    select: { id: true, name: true, enabled: true },
  });
  if (!exp) throw notFound('The export');
  if (!exp.enabled) {
    throw new AppError(
      'EXPORT_DISABLED',
      'The export is disabled: enable it (PATCH /v1/exports/:id with enabled: true) before sending a test event',
      409,
    );
  }
  const now = deps.clock.now();
  const engagementId = newId('eng');
  const externalId = `${TEST_EVENT_ID_PREFIX}${newId('tst')}`;
  const deliveryId = newId('dlv');
  await deps.store.addDelivery(
    {
      id: deliveryId,
      exportId: exp.id,
      groupId: who.groupId,
      engagementId,
      eventType: 'engagement.test',
      requestId,
      engagement: { id: engagementId, groupId: who.groupId, externalId, json: sampleEngagement(externalId, now) },
    },
    now,
  );
  await queueDeliveryBatches(deps, [{ id: deliveryId, attemptCount: 0, exportId: exp.id }]);
  await recordAudit(deps.db, {
    groupId: who.groupId,
    ...auditActor(who),
    action: 'export.test_event',
    targetType: 'export',
    targetId: exp.id,
    outcome: 'success',
    details: { deliveryId },
  });
  return { deliveryId };
}

/** The test event's `data`: the shape of a small chat engagement, saying plainly that it is a test. */
function sampleEngagement(id: string, now: Date): string {
  const started = new Date(now.getTime() - 5 * 60_000);
  return JSON.stringify({
    id,
    test: true,
    description: 'A test event sent from the connector ("Send test event"): not a real engagement.',
    channel: 'chat',
    startedAt: started.toISOString(),
    endedAt: now.toISOString(),
    visitor: { name: 'Test Visitor', email: 'visitor@example.com' },
    operators: [{ name: 'Test Operator' }],
    transcript: [
      { from: 'visitor', at: started.toISOString(), text: 'Hello, this is a test.' },
      { from: 'operator', at: now.toISOString(), text: 'Test received, thank you.' },
    ],
  });
}
