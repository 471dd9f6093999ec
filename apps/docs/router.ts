import { type Response, Router } from 'express';
import { isErrorCode } from '../core/error-codes.ts';
import { notFound } from '../core/errors.ts';
import { errorCodePage, errorIndexPage } from './error-pages.ts';

/**
 * The connector's own documentation, mounted at `/docs`: the error pages every problem's `type`
 * resolves to (docs/operations.md), `/docs/errors` and `/docs/errors/<CODE>`.
 * Public: they hold nothing but the registry of apps/core/error-codes.ts.
 */
export function docsRoutes(): Router {
  const router = Router();
  const index = errorIndexPage();
  router.get('/errors', (_req, res) => sendPage(res, index));
  router.get('/errors/:code', (req, res) => {
    const code = req.params.code;
    if (!isErrorCode(code)) throw notFound(`The error code "${code}"`);
    sendPage(res, errorCodePage(code));
  });
  return router;
}

/** The pages change only with a release: an hour of caching costs nothing. */
function sendPage(res: Response, body: string): void {
  res.set('Cache-Control', 'public, max-age=3600').type('html').send(body);
}
