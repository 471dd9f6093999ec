import { type RequestHandler, Router } from 'express';
import { ssoRedirectUri } from '../../core/auth/sso/client.ts';
import type { Deps } from '../../core/deps.ts';
import { currentRole } from '../../core/groups/lookup.ts';
import { listMembers } from '../../core/groups/members.ts';
import { callerOf } from '../../http/authenticate.ts';
import { viewSession } from '../session.ts';
import { appsPage } from '../views/admin-apps.ts';
import { auditPage } from '../views/admin-audit.ts';
import type { AdminIntegrationViewer } from '../views/admin-int-page.ts';
import { notificationsPage } from '../views/admin-notifications.ts';
import { ssoPage } from '../views/admin-sso.ts';

/**
 * Settings pages: Single sign-on, Notifications, Apps, Audit log (docs/console.md, "Settings").
 * Mounted at /console/admin behind the page session. Each page is a shell its script fills from
 * the JSON API; the member's privileges only decide which lines say why a page is read-only (the
 * API decides what is allowed).
 */
export function adminIntegrationRoutes(deps: Deps): Router {
  const router = Router();
  router.get(
    '/sso',
    page(deps, async (viewer) => ssoPage(viewer, ssoRedirectUri(deps.config))),
  );
  router.get(
    '/notifications',
    page(deps, async (viewer) => notificationsPage(viewer)),
  );
  router.get(
    '/apps',
    page(deps, async (viewer) => appsPage(viewer)),
  );
  router.get(
    '/audit',
    page(deps, async (viewer) => {
      const names = viewer.session.privileges.includes('audit:read') ? await memberNamesOf(deps, viewer.groupId) : {};
      return auditPage(viewer, names);
    }),
  );
  return router;
}

function page(deps: Deps, render: (viewer: AdminIntegrationViewer) => Promise<string>): RequestHandler {
  return async (req, res) => {
    const caller = callerOf(req);
    const [session, role] = await Promise.all([
      viewSession(deps, req),
      caller.kind === 'user' ? currentRole(deps.db, caller.id, caller.groupId) : null,
    ]);
    const markup = await render({ session, role, groupId: caller.groupId });
    // Pages carry the member's name: never cache them (a shared computer, the back button after sign-out).
    res.set('Cache-Control', 'no-store').type('html').send(markup);
  };
}

/** The group's members by user id, so the audit log's Actor column names people rather than ids. */
async function memberNamesOf(deps: Deps, groupId: string): Promise<Record<string, string>> {
  const members = await listMembers(deps, groupId);
  return Object.fromEntries(members.map((m) => [m.userId, m.username]));
}
