import { webhookBody } from '../webhooks/payload.ts';
import type { EventType } from './store/delivery-store.ts';

export type { EventType } from './store/delivery-store.ts';

/** The event types a delivery can carry (the `event_type` column, migration 0012). */
export const EVENT_TYPES = ['engagement.completed', 'engagement.test'] as const satisfies readonly EventType[];

const COMPLETED = '{"type":"engagement.completed",';

/**
 * The webhook body of a delivery: apps/core/webhooks/payload.ts's `{type, timestamp, data}` with
 * the delivery's own type. A test event (POST /v1/exports/:id/test) differs from an engagement in
 * `type` alone, so a receiver verifies and parses it exactly as it will a real one.
 */
export function eventBody(eventType: EventType, engagementJson: string, receivedAt: Date): string {
  const body = webhookBody(engagementJson, receivedAt);
  if (eventType === 'engagement.completed') return body;
  if (!body.startsWith(COMPLETED)) throw new Error('webhooks/payload.ts no longer starts its body with the type');
  return `{"type":${JSON.stringify(eventType)},${body.slice(COMPLETED.length)}`;
}
