import { readFileSync } from 'node:fs';
import { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { projectPath } from '../../../core/paths.ts';
import { oauthCallback } from './callback.ts';
import { callbackResult } from './result.ts';

const asset = (name: string) => readFileSync(projectPath('apps/api/routes/oauth-callback/public', name), 'utf8');

/**
 * `/oauth/callback` (the redirect URI, outside /v1 and its authentication: the CRM sends the
 * browser here), its result poll and its static script and stylesheet.
 */
export function oauthCallbackRoutes(deps: Deps): Router {
  const router = Router();
  const script = asset('callback.js');
  const stylesheet = asset('callback.css');
  router.use((_req, res, next) => {
    // Codes and results are single-use and per browser: never cache them.
    res.set('Cache-Control', 'no-store');
    // The page must keep `window.opener` to tell the console popup's opener: arriving from the
    // CRM's page (COOP unsafe-none), any other COOP here would switch browsing context groups and
    // sever the opener (HTML: "check if COOP values require a browsing context group switch").
    res.set('Cross-Origin-Opener-Policy', 'unsafe-none');
    next();
  });
  router.get('/', oauthCallback(deps));
  router.get('/result', callbackResult(deps));
  router.get('/callback.js', (_req, res) => {
    res.type('application/javascript').send(script);
  });
  router.get('/callback.css', (_req, res) => {
    res.type('text/css').send(stylesheet);
  });
  return router;
}
