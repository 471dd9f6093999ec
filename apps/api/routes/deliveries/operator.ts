import type { Request } from 'express';
import type { Operator } from '../../../core/deliveries/retry.ts';
import { authOf } from '../../middleware/auth-context.ts';

/** The caller of a retry or replay, for the audit log. */
export function operatorOf(req: Request): Operator {
  const auth = authOf(req);
  return { groupId: auth.groupId, actorType: auth.kind, actorId: auth.userId ?? auth.apiKeyId, ip: req.ip };
}
