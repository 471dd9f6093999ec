import type { RequestHandler, Response } from 'express';
import type { Deps } from '../../core/deps.ts';
import { exportsNeedingAttention } from '../../core/notifications/attention.ts';
import { callerOf } from '../../http/authenticate.ts';
import { viewSession } from '../session.ts';
import { exportPage } from '../views/export-page.ts';
import { newExportPage } from '../views/export-new.ts';
import { exportsListPage } from '../views/exports-list.ts';
import { notFoundPage } from '../views/not-found.ts';
import { setPasswordPage } from '../views/set-password.ts';

/** Sends a console page. */
export function sendPage(res: Response, page: string): void {
  // Pages carry the member's name: never cache them (a shared computer, the back button after sign-out).
  res.set('Cache-Control', 'no-store').type('html').send(page);
}

/** `GET /console/set-password` (the one-time token is in the fragment, read by the page's script). */
export const setPasswordView: RequestHandler = (_req, res) => sendPage(res, setPasswordPage());

/** `GET /console/exports`, with the exports that need attention (notifications/attention.ts) first. */
export function exportsListView(deps: Deps): RequestHandler {
  return async (req, res) => {
    const caller = callerOf(req);
    const attention = caller.privileges.includes('exports:read')
      ? await exportsNeedingAttention(deps, caller.groupId)
      : [];
    sendPage(res, exportsListPage(await viewSession(deps, req), attention));
  };
}

/** `GET /console/exports/new`. */
export function newExportView(deps: Deps): RequestHandler {
  return async (req, res) => sendPage(res, newExportPage(await viewSession(deps, req)));
}

/** `GET /console/exports/:id` (the API answers 404 for another group's export; the page says so). */
export function exportView(deps: Deps): RequestHandler {
  return async (req, res) =>
    sendPage(res, exportPage(await viewSession(deps, req), String(req.params.id), deps.config.redirectUri));
}

/** Any other /console path: a page, not a JSON problem, since a person typed or followed it. */
export const notFoundView: RequestHandler = (_req, res) => {
  res.status(404);
  sendPage(res, notFoundPage());
};
