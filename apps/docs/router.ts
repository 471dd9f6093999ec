import { readFileSync } from 'node:fs';
import { type Response, Router } from 'express';
import { isErrorCode } from '../core/error-codes.ts';
import { notFound } from '../core/errors.ts';
import { projectPath } from '../core/paths.ts';
import { OPENAPI_PATH, openApiDocument } from '../api/openapi/document.ts';
import { API_REFERENCE_PATH, apiReferencePage, type OpenApiDocument } from './api-reference/page.ts';
import { errorCodePage, errorIndexPage } from './error-pages.ts';
import { DOCS_STYLESHEET } from './layout.ts';

/**
 * The connector's own documentation, mounted at `/docs`: the error pages every problem's `type`
 * resolves to (docs/operations.md), `/docs/errors` and `/docs/errors/<CODE>`, and the API
 * reference `/docs/api`, rendered from the OpenAPI document (apps/api/openapi/).
 * Public: they hold nothing but the registry of apps/core/error-codes.ts and the route registry.
 */
export function docsRoutes(): Router {
  const router = Router();
  const index = errorIndexPage();
  let reference: string | undefined;
  const stylesheet = readFileSync(projectPath('apps/docs/assets/docs.css'), 'utf8');
  router.get('/errors', (_req, res) => sendPage(res, index));
  router.get('/errors/:code', (req, res) => {
    const code = req.params.code;
    if (!isErrorCode(code)) throw notFound(`The error code "${code}"`);
    sendPage(res, errorCodePage(code));
  });
  router.get(API_REFERENCE_PATH.replace('/docs', ''), (_req, res) => {
    // Built on the first visit: the document without PUBLIC_URL, so every link stays on this host.
    reference ??= apiReferencePage(openApiDocument('').document as unknown as OpenApiDocument, OPENAPI_PATH);
    sendPage(res, reference);
  });
  router.get(DOCS_STYLESHEET.replace('/docs', ''), (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('text/css').send(stylesheet);
  });
  return router;
}

/** The pages change only with a release: an hour of caching costs nothing. */
function sendPage(res: Response, body: string): void {
  res.set('Cache-Control', 'public, max-age=3600').type('html').send(body);
}
