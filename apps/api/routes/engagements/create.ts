import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../../../core/deps.ts';
import { ingestEngagement } from '../../../core/engagements/ingest.ts';
import { AppError } from '../../../core/errors.ts';
import type { Privilege } from '../../../core/groups/roles.ts';
import { type AuthContext, authOf } from '../../middleware/auth-context.ts';
import { parse } from '../../middleware/validate.ts';

// Any JSON object with a string `id`: the rest is the customer's and is kept as sent.
const engagementSchema = z.looseObject({
  id: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
});

/** The privilege `POST /v1/engagements` needs. */
export const INGEST_PRIVILEGE: Privilege = 'engagements:write';

/**
 * `POST /v1/engagements`: a completed engagement → 202 `{engagementId, deliveries}`. Idempotent per
 * group on `id`. Bodies over 1 MiB are refused with 413 by the /v1 JSON parser. Most requests take
 * the engagement lane (engagement-lane.ts) instead of this handler; both end in `acceptEngagement`.
 */
export function createEngagement(deps: Deps): RequestHandler {
  return async (req, res) => {
    const auth = authOf(req);
    if (!req.is('application/json')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the engagement as JSON (Content-Type: application/json)', 415);
    }
    // The exact text when the parser kept the bytes and they are UTF-8 (RFC 8259 §8.1), so the CRM
    // receives numbers and key order as sent; otherwise the parsed body, re-encoded.
    const charset = /;\s*charset=["']?([^;"'\s]+)/i.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
    const utf8 = charset === undefined || charset === 'utf-8' || charset === 'utf8';
    const json = utf8 && req.rawBody?.length ? req.rawBody.toString('utf8').trim() : JSON.stringify(req.body);
    res.status(202).json(await acceptEngagement(deps, auth, req.body, json));
  };
}

/** Validates a parsed engagement, ingests it with its text `json`, and gives the 202 answer's body. */
export async function acceptEngagement(deps: Deps, auth: AuthContext, body: unknown, json: string) {
  const engagement = parse(engagementSchema, body);
  const result = await ingestEngagement(deps, auth.groupId, { externalId: engagement.id, json });
  return {
    engagementId: result.engagementId,
    id: result.externalId,
    duplicate: !result.created,
    deliveries: result.deliveries,
  };
}
