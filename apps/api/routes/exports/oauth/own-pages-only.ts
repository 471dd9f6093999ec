import type { Request, RequestHandler, Response } from 'express';
import { recordAudit } from '../../../../core/audit.ts';
import type { Deps } from '../../../../core/deps.ts';
import { AppError } from '../../../../core/errors.ts';
import { callerOf } from '../../../../http/authenticate.ts';
import { exportIdOf } from '../schemas.ts';

// Fetch Metadata (W3C "Fetch Metadata Request Headers" §2.1): the browser says where a request
// was started. `same-origin` is the console itself, `none` a typed URL or bookmark; `same-site`
// is another origin of the same site and `cross-site` any other site.
const FOREIGN_SITES = new Set(['cross-site', 'same-site']);

const DETAIL =
  'Authorize Export was started from another site, so it was refused: only the console may start an ' +
  'authorization for a signed-in manager. Open the export in the console and press Authorize Export there.';

/**
 * Guards the cookie-authenticated "Authorize Export" GET: the session cookie is SameSite=Lax, so
 * the browser still sends it on a top-level navigation from any site, and a link elsewhere could
 * otherwise start an authorization (and bind its callback) in a signed-in manager's browser.
 * Such a request is refused with 403 (an HTML page for a browser navigation, problem+json
 * otherwise) and audited. Bearer and Signature callers are not ambient credentials and browsers
 * without Fetch Metadata send no header: both pass.
 */
export function ownPagesOnly(deps: Deps): RequestHandler {
  return async (req, res, next) => {
    const site = req.get('sec-fetch-site')?.toLowerCase();
    const auth = callerOf(req);
    if (auth.via !== 'cookie' || !site || !FOREIGN_SITES.has(site)) return next();
    await recordAudit(deps.db, {
      groupId: auth.groupId,
      actorType: auth.kind,
      actorId: auth.id,
      action: 'export.oauth.authorize',
      targetType: 'export',
      targetId: exportIdOf(req),
      outcome: 'refused',
      reason: 'CROSS_SITE_REQUEST',
      ip: req.ip,
      details: { secFetchSite: site },
    });
    if (wantsPage(req)) return sendRefusalPage(res, deps);
    throw new AppError('CROSS_SITE_REQUEST', DETAIL, 403);
  };
}

/** A browser's navigation asks for HTML first; API clients ask for JSON or anything. */
const wantsPage = (req: Request) =>
  req.accepts(['application/problem+json', 'application/json', 'text/html']) === 'text/html';

function sendRefusalPage(res: Response, deps: Deps): void {
  const consoleUrl = `${deps.config.PUBLIC_URL}/console/exports`.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res
    .status(403)
    .type('html')
    .send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Authorization refused</title>
<link rel="stylesheet" href="/oauth/callback/callback.css">
</head>
<body>
<main data-status="rejected">
<h1>Authorization refused</h1>
<p id="message" role="status">${DETAIL}</p>
<p><a href="${consoleUrl}">Open the console</a></p>
</main>
</body>
</html>
`);
}
