import type { Request } from 'express';
import type { Caller } from '../../core/auth/caller.ts';
import { authOf } from './auth-context.ts';

/** The caller as every service and audit row takes it (apps/core/auth/caller.ts), from `authenticate`'s context. */
export function callerOf(req: Request): Caller {
  const auth = authOf(req);
  const id = auth.kind === 'api_key' ? auth.apiKeyId : auth.userId;
  // `authenticate` always sets the id of the credential kind it identified.
  if (!id) throw new Error('authenticate set no caller id');
  return { groupId: auth.groupId, kind: auth.kind, id, privileges: auth.privileges, ip: req.ip };
}
