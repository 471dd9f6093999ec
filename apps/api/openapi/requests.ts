import { z } from 'zod';
import { DELIVERY_STATUSES, RETRYABLE_STATUSES } from '../../core/deliveries/state.ts';
import { pageQuerySchema } from '../../core/pagination.ts';

// Request schemas of the routes whose files are being rewritten elsewhere (deliveries, the
// engagement ingest, "Send test event", "Check configuration"), written here from the contract
// and docs/api/deliveries.md, engagements.md and exports.md. The other routes' schemas are
// imported from their route files, so the document cannot drift from what they validate.

const isoInstant = z.iso
  .datetime({ offset: true })
  .meta({ description: 'ISO 8601 date-time', example: '2026-01-31T00:00:00Z' });
const retryable = z.enum(RETRYABLE_STATUSES);

/** `POST /v1/engagements`: any JSON object with a string `id`; the rest is the customer's, kept as sent. */
export const engagementBody = z
  .looseObject({
    id: z
      .string()
      .min(1)
      .max(255)
      .meta({ description: 'The engagement’s id in the contact center: the idempotency key' }),
  })
  .meta({ description: 'A completed engagement: `{id, …any JSON}`, at most 1 MiB' });

/** `GET /v1/exports/:exportId/deliveries?status=&cursor=&limit=`. */
export const exportDeliveriesQuery = pageQuerySchema.extend({ status: z.enum(DELIVERY_STATUSES).optional() });

/** `POST /v1/exports/:exportId/deliveries/replay {since, status?}`. */
export const replayBody = z.strictObject({
  since: isoInstant,
  status: z.union([retryable, z.array(retryable).min(1)]).optional(),
});

/** `GET /v1/deliveries?exportId=&status=&engagementId=&since=&until=&cursor=&limit=`: the group's log. */
export const groupDeliveriesQuery = pageQuerySchema.extend({
  exportId: z.string().min(1).max(255).optional(),
  status: z
    .string()
    .regex(new RegExp(`^(${DELIVERY_STATUSES.join('|')})(,(${DELIVERY_STATUSES.join('|')}))*$`))
    .optional()
    .meta({ description: 'One status, or several separated by commas (`failed,dead`)' }),
  engagementId: z.string().min(1).max(255).optional(),
  since: isoInstant.optional(),
  until: isoInstant.optional(),
});

/** `POST /v1/deliveries/retry {exportId?, status?, since?, until?, engagementId?}`: failed or dead deliveries, again. */
export const retryManyBody = z.strictObject({
  exportId: z.string().min(1).max(255).optional(),
  status: z.union([retryable, z.array(retryable).min(1)]).optional(),
  since: isoInstant.optional(),
  until: isoInstant.optional(),
  engagementId: z.string().min(1).max(255).optional(),
});

/** Routes that take no body: none, or `{}`; anything else is refused. */
export const emptyBody = z.strictObject({});
