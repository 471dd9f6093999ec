import { type EventType, webhookBody } from '../webhooks/payload.ts';

export type { EventType } from '../webhooks/payload.ts';

/** The event types a delivery can carry (the `event_type` column, migration 0012). */
export const EVENT_TYPES = ['engagement.completed', 'engagement.test'] as const satisfies readonly EventType[];

/**
 * The webhook body of a delivery with the delivery's own type. A test event
 * (POST /v1/exports/:id/test) differs from an engagement in `type` alone, so a receiver verifies
 * and parses it exactly as it will a real one.
 */
export function eventBody(eventType: EventType, engagementJson: string, receivedAt: Date): string {
  return webhookBody(engagementJson, receivedAt, eventType);
}
