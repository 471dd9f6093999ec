// What the delivery pages say about a delivery, shared by the export page, the delivery log and
// the inspector (docs/api/deliveries.md names the statuses, docs/api/delivery-inspector.md the fields).
import { seg } from './api.js';

/** The inspector's address for one delivery. */
export const inspectorHref = (id) => `/console/deliveries/${seg(id)}`;

/** The export page, opened at one of its sections ('oauth', 'deliveries' …). */
export const exportHref = (exportId, section) =>
  `/console/exports/${seg(exportId)}${section ? `#${encodeURIComponent(section)}` : ''}`;

/**
 * The event type a delivery carries (`engagement.completed`, `engagement.test`): from the API's
 * field when it gives one, else from the body as sent; null when neither says.
 */
export function eventTypeOf(delivery) {
  const given = delivery?.eventType ?? delivery?.type;
  if (typeof given === 'string' && given) return given;
  const body = delivery?.request?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body);
      if (typeof parsed?.type === 'string') return parsed.type;
    } catch {
      return null;
    }
  } else if (body && typeof body.type === 'string') {
    return body.type;
  }
  return null;
}

/** One sentence per status, for the inspector's summary. */
export const STATUS_SENTENCES = {
  pending: 'Waiting for its next attempt.',
  delivering: 'Being sent right now.',
  delivered: 'The CRM accepted it.',
  failed: 'It failed with an answer that is not retried (a permanent failure code, or 410 Gone); Retry sends it again.',
  dead: 'Every attempt of the retry schedule failed; Retry sends it again.',
  parked: 'Held without spending an attempt: no access token can be had, or the export is disabled. Nothing is lost.',
};

/** What to do about a parked delivery when the API gives no `nextStep` of its own. */
export const PARKED_ADVICE =
  'Open the export’s OAuth settings and press Authorize Export (or enable the export if it is disabled): parked deliveries are then sent by themselves, oldest first.';

/** "1 delivery" / "3 deliveries". */
export const deliveriesCount = (n) => `${n} ${n === 1 ? 'delivery' : 'deliveries'}`;
