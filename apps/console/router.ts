import express, { Router } from 'express';
import type Provider from 'oidc-provider';
import type { Deps } from '../core/deps.ts';
import { projectPath } from '../core/paths.ts';
import { exportsListView, exportView, newExportView, notFoundView, setPasswordView } from './routes/pages.ts';
import { firstRunSignInView, signIn } from './routes/sign-in.ts';
import { HOME } from '../http/safe-next.ts';
import { requirePageSession } from './session.ts';
import { consentDecision, consentView } from './routes/authorize.ts';
import { authenticate } from '../http/authenticate.ts';
import { adminPeopleRoutes } from './routes/admin-people.ts';
import { adminIntegrationRoutes } from './routes/admin-integrations.ts';
import { deliveryPageRoutes } from './routes/delivery-pages.ts';

const ASSETS_DIR = projectPath('apps/console/assets');

/**
 * The managers' console under /console: server-rendered page shells (no data in them beyond the
 * signed-in member), static ES modules and CSS that fill them from the JSON API, and the sign-in
 * endpoint that sets the session cookies. No inline script or style anywhere (CSP: 'self').
 */
export function consoleRoutes(deps: Deps, authorizationServer: Provider): Router {
  const router = Router();
  router.use(
    '/assets',
    express.static(ASSETS_DIR, {
      index: false,
      // Revalidated on every load (ETag): a deploy never leaves a stale module beside a new page.
      setHeaders: (res) => res.set('Cache-Control', 'no-cache'),
    }),
  );
  // The sign-in page says how to create the first admin while there is no member (routes/sign-in.ts).
  router.get('/sign-in', firstRunSignInView(deps));
  router.get('/set-password', setPasswordView);
  router.post('/session', express.json({ limit: '8kb' }), signIn(deps));

  const session = requirePageSession(deps);
  router.get('/', (_req, res) => res.redirect(303, HOME));
  router.get('/exports', session, exportsListView(deps));
  router.get('/exports/new', session, newExportView(deps));
  router.get('/exports/:id', session, exportView(deps));
  router.use('/deliveries', session, deliveryPageRoutes(deps));
  router.use('/admin', session, adminPeopleRoutes(deps));
  router.use('/admin', session, adminIntegrationRoutes(deps));
  // A third-party app's sign-in and consent (docs/api/third-party-apps.md).
  router.get('/authorize/:uid', session, consentView(deps, authorizationServer));
  router.post(
    '/authorize/:uid',
    express.json({ limit: '1kb' }),
    authenticate(deps),
    consentDecision(deps, authorizationServer),
  );
  router.use(notFoundView);
  return router;
}
