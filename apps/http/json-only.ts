import type { RequestHandler } from 'express';
import { AppError } from '../core/errors.ts';

/**
 * Refuses a body that is not JSON with 415. Without this, express.json leaves such a body unparsed
 * and a route without required fields (a rotation, a logout) would act as if nothing had been sent.
 * Requests without a body (no Content-Length, no Transfer-Encoding) pass: many actions need none.
 */
export const jsonBodiesOnly: RequestHandler = (req, _res, next) => {
  if (!['POST', 'PUT', 'PATCH'].includes(req.method)) return next();
  const length = Number(req.headers['content-length'] ?? 0);
  const hasBody = length > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody || req.is('application/json') || req.is('application/*+json')) return next();
  next(
    new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `The body must be JSON (Content-Type: application/json), not ${req.headers['content-type'] ?? 'untyped'}`,
      415,
    ),
  );
};
