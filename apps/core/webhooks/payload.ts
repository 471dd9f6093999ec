/**
 * The body a CRM webhook receives (docs/api/deliveries.md). The engagement is
 * spliced in as the exact JSON text the connector received, so numbers and key order arrive
 * unchanged; the timestamp is when the engagement was received, so every retry sends the same body.
 */
export function webhookBody(engagementJson: string, receivedAt: Date): string {
  return `{"type":"engagement.completed","timestamp":${JSON.stringify(receivedAt.toISOString())},"data":${engagementJson}}`;
}
