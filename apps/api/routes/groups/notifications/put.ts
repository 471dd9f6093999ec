import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Deps } from '../../../../core/deps.ts';
import { controlCharacterProblem } from '../../../../core/net/url-policy.ts';
import { MAX_NOTIFICATION_EMAILS, putNotificationSetting } from '../../../../core/notifications/settings.ts';
import { callerOf } from '../../../../http/authenticate.ts';
import { parse } from '../../../../http/validate.ts';

export const body = z.strictObject({
  // Judged raw first (no CR, LF or tab): the WHATWG parser behind z.url() drops them silently.
  // The outbound policy (https, public address) is checked by the service, as for exports.
  webhookUrl: z
    .string()
    .superRefine((value, ctx) => {
      const problem = controlCharacterProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, abort: true });
    })
    .pipe(z.url({ protocol: /^https?$/ }).max(2000))
    .nullable()
    .optional(),
  emails: z.array(z.email().max(254)).max(MAX_NOTIFICATION_EMAILS).optional(),
});

/**
 * `PUT /v1/groups/:group/notifications` (admin): `{webhookUrl?, emails?}`. A field left out keeps
 * its value; `webhookUrl: null` removes the webhook. A new webhook URL answers its `signingSecret`
 * (`whsec_…`), shown in this answer only.
 */
export function putNotificationsRoute(deps: Deps): RequestHandler {
  return async (req, res) => {
    const input = parse(body, req.body);
    res.json(await putNotificationSetting(deps, callerOf(req), input));
  };
}
