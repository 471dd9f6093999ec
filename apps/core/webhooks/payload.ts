/** The `type` of a webhook body: a completed engagement, or a test event (POST /v1/exports/:id/test). */
export type EventType = 'engagement.completed' | 'engagement.test';

/**
 * The body a CRM webhook receives (docs/api/deliveries.md). The engagement is
 * spliced in as the exact JSON text the connector received, so numbers and key order arrive
 * unchanged; the timestamp is when the engagement was received, so every retry sends the same body.
 */
export function webhookBody(
  engagementJson: string,
  receivedAt: Date,
  type: EventType = 'engagement.completed',
): string {
  return `{"type":"${type}","timestamp":${JSON.stringify(receivedAt.toISOString())},"data":${engagementJson}}`;
}
