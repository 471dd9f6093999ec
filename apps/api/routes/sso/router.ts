import express, { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { projectPath } from '../../../core/paths.ts';
import { ssoCallback } from './callback.ts';
import { startSso } from './start.ts';

const ASSETS_DIR = projectPath('apps/api/routes/sso/assets');

/** `/sso`: the console's "Sign in with SSO" (start, the provider's redirect back, and its script). */
export function ssoBrowserRoutes(deps: Deps): Router {
  const router = Router();
  router.use(
    '/assets',
    express.static(ASSETS_DIR, { index: false, setHeaders: (res) => res.set('Cache-Control', 'no-cache') }),
  );
  router.get('/start', startSso(deps));
  router.get('/callback', ssoCallback(deps));
  return router;
}
