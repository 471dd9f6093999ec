import type { Request } from 'express';
import type { KeyActor } from '../../core/auth/api-keys.ts';
import { authOf } from './auth-context.ts';

/** The caller as the credential services record it: group, who (member or API key), privileges, address. */
export function credentialActor(req: Request): KeyActor {
  const auth = authOf(req);
  return {
    groupId: auth.groupId,
    actorType: auth.kind === 'api_key' ? 'api_key' : 'user',
    actorId: auth.kind === 'api_key' ? auth.apiKeyId : auth.userId,
    privileges: auth.privileges,
    ip: req.ip,
  };
}
