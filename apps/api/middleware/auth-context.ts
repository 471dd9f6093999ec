import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError, forbidden } from '../../core/errors.ts';
import type { Privilege } from '../../core/groups/roles.ts';

/** Who is calling, for which group, with which privileges: set by `authenticate`. */
export interface AuthContext {
  kind: 'user' | 'api_key';
  /** The one group this credential acts for. */
  groupId: string;
  privileges: Privilege[];
  via: 'bearer' | 'cookie' | 'signature';
  userId?: string;
  username?: string;
  apiKeyId?: string;
  /** Authorization token id and expiry (bearer and cookie). */
  tokenId?: string;
  tokenExpiresAt?: Date;
}

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthContext;
    /** The exact request body bytes (for request signatures). */
    rawBody?: Buffer;
  }
}

/** The caller's context; only for routes behind `authenticate`. */
export function authOf(req: Request): AuthContext {
  if (!req.auth) throw new AppError('UNAUTHENTICATED', 'Authentication is required', 401);
  return req.auth;
}

/** Throws a 403 unless the caller holds every listed privilege. */
export function assertPrivileges(auth: AuthContext, needed: readonly Privilege[]): void {
  const missing = needed.filter((p) => !auth.privileges.includes(p));
  if (missing.length) throw forbidden(`This action needs the privilege ${missing.join(', ')}`);
}

/** Refuses with 403 unless the caller holds every listed privilege. */
export function requirePrivilege(...needed: Privilege[]): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    assertPrivileges(authOf(req), needed);
    next();
  };
}
