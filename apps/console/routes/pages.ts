import type { Request, RequestHandler, Response } from 'express';
import type { Deps } from '../../core/deps.ts';
import { exportsNeedingAttention } from '../../core/notifications/attention.ts';
import { callerOf } from '../../http/authenticate.ts';
import { safeNext } from '../../http/safe-next.ts';
import { viewSession } from '../session.ts';
import { exportPage } from '../views/export-page.ts';
import { newExportPage } from '../views/export-new.ts';
import { exportsListPage } from '../views/exports-list.ts';
import { notFoundPage } from '../views/not-found.ts';
import { setPasswordPage } from '../views/set-password.ts';
import { type SignInReason, signInPage } from '../views/sign-in.ts';

function send(res: Response, page: string): void {
  // Pages carry the member's name: never cache them (a shared computer, the back button after sign-out).
  res.set('Cache-Control', 'no-store').type('html').send(page);
}

const reasonOf = (req: Request): SignInReason => {
  const reason = req.query.reason;
  return reason === 'expired' || reason === 'signed-out' ? reason : undefined;
};

/** `GET /console/sign-in`. */
export const signInView: RequestHandler = (req, res) => {
  // `?group=` comes from a group-specific link (and names the group "Sign in with SSO" starts for).
  const group = typeof req.query.group === 'string' ? req.query.group.slice(0, 200) : undefined;
  send(res, signInPage({ next: safeNext(req.query.next), reason: reasonOf(req), group }));
};

/** `GET /console/set-password` (the one-time token is in the fragment, read by the page's script). */
export const setPasswordView: RequestHandler = (_req, res) => send(res, setPasswordPage());

/** `GET /console/exports`, with the exports that need attention (notifications/attention.ts) first. */
export function exportsListView(deps: Deps): RequestHandler {
  return async (req, res) => {
    const caller = callerOf(req);
    const attention = caller.privileges.includes('exports:read')
      ? await exportsNeedingAttention(deps, caller.groupId)
      : [];
    send(res, exportsListPage(await viewSession(deps, req), attention));
  };
}

/** `GET /console/exports/new`. */
export function newExportView(deps: Deps): RequestHandler {
  return async (req, res) => send(res, newExportPage(await viewSession(deps, req)));
}

/** `GET /console/exports/:id` (the API answers 404 for another group's export; the page says so). */
export function exportView(deps: Deps): RequestHandler {
  return async (req, res) =>
    send(res, exportPage(await viewSession(deps, req), String(req.params.id), deps.config.redirectUri));
}

/** Any other /console path: a page, not a JSON problem, since a person typed or followed it. */
export const notFoundView: RequestHandler = (_req, res) => {
  res.status(404);
  send(res, notFoundPage());
};
