import { type Request, type RequestHandler, Router } from 'express';
import type { Deps } from '../../core/deps.ts';
import { currentRole } from '../../core/groups/lookup.ts';
import { callerOf } from '../../http/authenticate.ts';
import { viewSession } from '../session.ts';
import { adminApiKeysPage } from '../views/admin-api-keys.ts';
import { adminIndexPage } from '../views/admin-index.ts';
import { adminMembersPage } from '../views/admin-members.ts';
import { adminOriginsPage } from '../views/admin-origins.ts';
import type { AdminViewer } from '../views/admin-page.ts';
import { adminPartnersPage } from '../views/admin-partners.ts';

/** The member opening a Settings page, with their role for the page's read-only line. */
async function adminViewer(deps: Deps, req: Request): Promise<AdminViewer> {
  const caller = callerOf(req);
  const [session, role] = await Promise.all([
    viewSession(deps, req),
    caller.kind === 'user' ? currentRole(deps.db, caller.id, caller.groupId) : null,
  ]);
  return { session, role, groupId: caller.groupId };
}

/** Sends a Settings page; like every console page it names the member, so it is never cached. */
function settingsPage(deps: Deps, render: (viewer: AdminViewer) => string): RequestHandler {
  return async (req, res) => {
    const page = render(await adminViewer(deps, req));
    res.set('Cache-Control', 'no-store').type('html').send(page);
  };
}

/**
 * Settings pages: the index, Members, API keys, Partners, Trusted origins. Each is a shell the
 * browser fills from the JSON API, which alone decides what the member may read or change.
 */
export function adminPeopleRoutes(deps: Deps): Router {
  const router = Router();
  router.get('/', settingsPage(deps, adminIndexPage));
  router.get('/members', settingsPage(deps, adminMembersPage));
  router.get('/api-keys', settingsPage(deps, adminApiKeysPage));
  router.get('/partners', settingsPage(deps, adminPartnersPage));
  router.get(
    '/origins',
    settingsPage(deps, (viewer) => adminOriginsPage(viewer, deps.config.ALLOW_INSECURE_HTTP)),
  );
  return router;
}
