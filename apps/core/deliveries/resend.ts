import { recordAudit } from '../audit.ts';
import { auditActor, type Caller } from '../auth/caller.ts';
import type { Deps } from '../deps.ts';
import { AppError, notFound } from '../errors.ts';
import { newId } from '../ids.ts';
import type { EventType } from './event-body.ts';
import { queueDeliveryBatches } from './jobs.ts';

/**
 * Resend: a new delivery of the same engagement (or test event) to the same export, with its own
 * id, which is the `webhook-id` the receiver sees, so a receiver that deduplicates takes it again.
 * Any earlier delivery of the caller's group may be resent, delivered ones included (404
 * otherwise); a disabled export's answer 409 EXPORT_DISABLED. It is queued as ingest queues a new delivery: sent at once, through the export's
 * flow control, and after what an ordered export already has.
 */
export async function resendDelivery(
  deps: Pick<Deps, 'db' | 'store' | 'queues' | 'clock'>,
  who: Caller,
  deliveryId: string,
  requestId: string | null,
): Promise<{ deliveryId: string }> {
  const row = await deps.db.delivery.findFirst({
    where: { id: deliveryId, groupId: who.groupId },
    select: { id: true, exportId: true, engagementId: true, eventType: true, export: { select: { enabled: true } } },
  });
  if (!row) throw notFound('The delivery');
  // A disabled export would only keep it: refused, as a test event is (test-event.ts).
  if (!row.export.enabled) {
    throw new AppError(
      'EXPORT_DISABLED',
      'The export is disabled: enable it (PATCH /v1/exports/:id with enabled: true) before resending',
      409,
    );
  }
  const id = newId('dlv');
  await deps.store.addDelivery(
    {
      id,
      exportId: row.exportId,
      groupId: who.groupId,
      engagementId: row.engagementId,
      eventType: row.eventType as EventType,
      requestId,
    },
    deps.clock.now(),
  );
  await queueDeliveryBatches(deps, [{ id, attemptCount: 0, exportId: row.exportId }]);
  await recordAudit(deps.db, {
    groupId: who.groupId,
    ...auditActor(who),
    action: 'delivery.resend',
    targetType: 'delivery',
    targetId: row.id,
    outcome: 'success',
    details: { deliveryId: id, exportId: row.exportId },
  });
  return { deliveryId: id };
}
