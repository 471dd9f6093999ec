import { z } from 'zod';

/** An ISO 8601 date-time with its offset, as `since` and `until` take it (docs/api/deliveries.md). */
export const isoDateTime = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time, e.g. 2025-01-31T00:00:00Z',
});

/** An id in a filter: what a path segment could hold. */
export const filterId = z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters');

/** The body of a route that takes none: nothing, or `{}`; any field is refused. */
export const noBody = z.strictObject({});
