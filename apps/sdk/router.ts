import express, { Router } from 'express';
import { projectPath } from '../core/paths.ts';

const ASSETS_DIR = projectPath('apps/sdk/assets');

/**
 * `/sdk/authorization.js`, the browser helper (docs/api/browser-helper.md). Public to every origin
 * (`Access-Control-Allow-Origin: *`, never with credentials): the script holds nothing secret, and
 * a partner's page loads it as a cross-origin module. Whether that page may obtain a token is
 * decided where it asks for one, by the group's trusted origins (docs/api/cors.md).
 */
export function sdkRoutes(): Router {
  const router = Router();
  router.use(
    express.static(ASSETS_DIR, {
      index: false,
      setHeaders: (res) => {
        res.set('Access-Control-Allow-Origin', '*');
        res.set('Cross-Origin-Resource-Policy', 'cross-origin');
        // Revalidated on every load (ETag): pages pick up a new version at once.
        res.set('Cache-Control', 'no-cache');
      },
    }),
  );
  return router;
}
