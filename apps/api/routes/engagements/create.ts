import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../../../core/deps.ts';
import { ingestEngagement } from '../../../core/engagements/ingest.ts';
import { AppError } from '../../../core/errors.ts';
import { authOf } from '../../middleware/auth-context.ts';
import { parse } from '../../middleware/validate.ts';

// Any JSON object with a string `id`: the rest is the customer's and is kept as sent.
const engagementSchema = z.looseObject({
  id: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
});

/**
 * `POST /v1/engagements`: a completed engagement → 202 `{engagementId, deliveries}`. Idempotent per
 * group on `id`. Bodies over 1 MiB are refused with 413 by the /v1 JSON parser.
 */
export function createEngagement(deps: Deps): RequestHandler {
  return async (req, res) => {
    const auth = authOf(req);
    if (!req.is('application/json')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the engagement as JSON (Content-Type: application/json)', 415);
    }
    const body = parse(engagementSchema, req.body);
    // The exact text when the parser kept the bytes and they are UTF-8 (RFC 8259 §8.1), so the CRM
    // receives numbers and key order as sent; otherwise the parsed body, re-encoded.
    const charset = /;\s*charset=["']?([^;"'\s]+)/i.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
    const utf8 = charset === undefined || charset === 'utf-8' || charset === 'utf8';
    const json = utf8 && req.rawBody?.length ? req.rawBody.toString('utf8').trim() : JSON.stringify(req.body);
    const result = await ingestEngagement(deps, auth.groupId, { externalId: body.id, json });
    res.status(202).json({
      engagementId: result.engagementId,
      id: result.externalId,
      duplicate: !result.created,
      deliveries: result.deliveries,
    });
  };
}
