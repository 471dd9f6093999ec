import type { RequestHandler } from 'express';
import type { Deps } from '../../../../core/deps.ts';
import { AppError } from '../../../../core/errors.ts';

/** `POST /v1/exports/:id/oauth/check` (being built). */
export function checkOAuthConfiguration(_deps: Deps): RequestHandler {
  return () => {
    throw new AppError('DEPENDENCY_UNAVAILABLE', 'The configuration check is being built');
  };
}
