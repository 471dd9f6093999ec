import type { RequestHandler } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { AppError } from '../../../core/errors.ts';

/** `POST /v1/exports/:id/test` (being built). */
export function sendTestEvent(_deps: Deps): RequestHandler {
  return () => {
    throw new AppError('DEPENDENCY_UNAVAILABLE', 'The test event is being built');
  };
}
