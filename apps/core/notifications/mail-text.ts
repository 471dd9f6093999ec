import type { NotificationEvent } from './events.ts';

/** A notification as plain text mail: a subject that says what happened, a body that says what to do. */
export function mailText(event: NotificationEvent): { subject: string; text: string } {
  const data = event.data;
  const name = `"${String(data.exportName ?? data.exportId ?? '')}"`;
  const facts: string[] = [];
  let subject: string;
  let todo: string;
  switch (event.type) {
    case 'export.failing':
      subject = `Export ${name} is failing`;
      todo =
        "Check that the CRM webhook is up and accepts the connector's requests; the delivery log on the export's page shows each answer. Deliveries that are still pending are retried; a dead one can be retried from the log.";
      break;
    case 'export.disabled':
      subject = `Export ${name} was disabled`;
      todo =
        'Nothing is sent to this export until it is enabled again: fix the webhook, then enable the export on its page. Its waiting deliveries are parked, not lost, and go out once it is enabled.';
      break;
    case 'export.reauthorization_required':
      subject = `Export ${name} needs a new authorization`;
      todo =
        'The CRM no longer accepts the export\'s grant. Open the export and press "Authorize Export" again; the deliveries waiting meanwhile are parked and go out once it is authorized.';
      break;
    case 'export.recovered':
      subject = `Export ${name} is delivering again`;
      todo = 'Nothing to do: a delivery succeeded.';
      break;
    default:
      subject = 'Test notification';
      todo = 'Nothing to do: this mail confirms that notifications reach this address.';
  }
  if (data.exportId) facts.push(`Export: ${String(data.exportName ?? '')} (${String(data.exportId)})`);
  if (data.message) facts.push(`What happened: ${String(data.message)}`);
  if (data.reason) facts.push(`Reason code: ${String(data.reason)}`);
  if (Array.isArray(data.ended)) facts.push(`Conditions ended: ${data.ended.join(', ')}`);
  facts.push(`Event: ${event.type} at ${event.timestamp}`);
  const link = data.consoleUrl ? `\n\nOpen the export: ${String(data.consoleUrl)}` : '';
  const text = `${facts.join('\n')}\n\nWhat to do: ${todo}${link}\n\n-- \nSent by the OAuth export connector. An admin of the group chooses who gets these mails (Notifications).\n`;
  return { subject: `[Connector] ${subject}`, text };
}
