import type { Request } from 'express';
import { z } from 'zod';
import {
  MAX_IN_FLIGHT_LIMIT,
  MAX_RATE_LIMIT_PER_MINUTE,
  MAX_SCHEDULE_ENTRIES,
  MAX_SCHEDULE_SECONDS,
  permanentStatusProblem,
} from '../../../core/deliveries/policy.ts';
import { controlCharacterProblem, issuerProblem } from '../../../core/net/url-policy.ts';

/** `:id` of every export route: ids are `exp_` + base64url; anything else cannot exist (404 later). */
export const exportIdOf = (req: Request): string => String(req.params.id ?? '');

const name = z.string().trim().min(1, 'must not be empty').max(200);
// The reachability and address checks are async (DNS): the service runs them after this. Control
// characters are refused on the raw value, before trimming, as the URL parser would drop them.
const url = z
  .string()
  .refine((value) => controlCharacterProblem(value) === null, 'must not contain control characters (CR, LF, tab)')
  .trim()
  .min(1, 'must not be empty')
  .max(2048);

// docs/api/deliveries.md: entry k is the wait in seconds after attempt k+1 fails.
const retrySchedule = z.array(z.number().int().min(0).max(MAX_SCHEDULE_SECONDS)).min(1).max(MAX_SCHEDULE_ENTRIES);
const permanentStatuses = z
  .array(
    z
      .number()
      .int()
      .superRefine((code, ctx) => {
        const problem = permanentStatusProblem(code);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  )
  .max(100);
const maxInFlight = z.number().int().min(1).max(MAX_IN_FLIGHT_LIMIT);
// null takes the limit off.
const rateLimitPerMinute = z.number().int().min(1).max(MAX_RATE_LIMIT_PER_MINUTE).nullable();
const ordered = z.boolean();

export const createExportBody = z.strictObject({
  name,
  webhookUrl: url,
  enabled: z.boolean().optional(),
  retrySchedule: retrySchedule.optional(),
  permanentStatuses: permanentStatuses.optional(),
  maxInFlight: maxInFlight.optional(),
  rateLimitPerMinute: rateLimitPerMinute.optional(),
  ordered: ordered.optional(),
});

export const updateExportBody = z
  .strictObject({
    name: name.optional(),
    webhookUrl: url.optional(),
    enabled: z.boolean().optional(),
    retrySchedule: retrySchedule.optional(),
    permanentStatuses: permanentStatuses.optional(),
    maxInFlight: maxInFlight.optional(),
    rateLimitPerMinute: rateLimitPerMinute.optional(),
    ordered: ordered.optional(),
  })
  .refine(
    (body) => Object.keys(body).length > 0,
    'must change at least one of name, webhookUrl, enabled, retrySchedule, permanentStatuses, maxInFlight, rateLimitPerMinute, ordered',
  );

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const scopeToken = z
  .string()
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope token (printable ASCII, no spaces, quotes or backslashes)');

export const oauthConfigBody = z.strictObject({
  authorizationUrl: url,
  tokenUrl: url,
  clientId: z.string().trim().min(1, 'must not be empty').max(500),
  clientSecret: z.string().min(1, 'must not be empty').max(2000).optional(),
  // The contract's array; a space-separated string (as the console's text field holds it) is accepted too.
  scopes: z
    .union([z.array(scopeToken).max(100), z.string().max(2000)])
    .transform((value) => (typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : value))
    .pipe(z.array(scopeToken).max(100))
    .optional(),
  tokenAuthMethod: z.enum(['client_secret_post', 'client_secret_basic']).optional(),
  // Checked raw first: zod's URL check hands on the parsed URL, tab, CR and LF already dropped.
  issuer: z
    .string()
    .superRefine((value, ctx) => {
      const problem = issuerProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, abort: true });
    })
    .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048))
    .nullable()
    .optional(),
});
