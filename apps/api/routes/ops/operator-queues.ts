import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { type RequestHandler, Router } from 'express';
import helmet from 'helmet';
import type { Deps } from '../../../core/deps.ts';
import { sendProblem } from '../../../http/problem.ts';

/** Where bull-board is mounted when OPERATOR_TOKEN is set (docs/operations.md, "Queues dashboard"). */
export const OPERATOR_QUEUES_PATH = '/operator/queues';

/**
 * bull-board's dashboard of the connector's BullMQ queues, for the operator alone: mounted only
 * when OPERATOR_TOKEN is set, behind that token. Its page loads its own scripts from the mount
 * and styles itself with inline `style` attributes and a `<style>` element, so this mount (and
 * no other) allows inline styles; scripts stay 'self' (its inline `<script type="application/json">`
 * is data, which no CSP blocks).
 */
export function operatorQueuesRoutes(deps: Deps): Router | undefined {
  const token = deps.config.OPERATOR_TOKEN;
  if (!token) return undefined;
  const board = new ExpressAdapter();
  board.setBasePath(OPERATOR_QUEUES_PATH);
  createBullBoard({
    queues: Object.values(deps.queues).map((queue) => new BullMQAdapter(queue)),
    // @bull-board/express 9.10.1 declares its adapter against its own copy of @bull-board/api's
    // types (9.10.1, beside this 9.10.2): the same shape, two declarations.
    serverAdapter: board as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'Export Connector queues' } },
  });
  const router = Router();
  router.use(operatorToken(token), sameOriginChanges, dashboardHeaders, board.getRouter());
  return router;
}

/**
 * A browser sends cached Basic credentials with any request to this origin, a form posted from
 * another site included (RFC 7617 §2.2): so what changes queues (retry, clean, pause, add …) is
 * taken only from the dashboard's own page or from a client that is no browser. Browsers say
 * where a request comes from in `Sec-Fetch-Site` (Fetch Metadata) and `Origin` (RFC 6454 §7).
 */
const sameOriginChanges: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const site = req.get('sec-fetch-site');
  const origin = req.get('origin');
  const own = `${req.protocol}://${req.get('host')}`;
  if ((site && site !== 'same-origin') || (origin && origin !== own)) {
    return sendProblem(res, 403, 'FORBIDDEN', 'Queue changes are taken only from the dashboard page itself');
  }
  next();
};

const dashboardHeaders = helmet({
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
});

/**
 * The operator's credential: HTTP Basic (RFC 7617; any username, the token as password) so a
 * browser can open the page and prompts for it, or `Authorization: Bearer <token>` (RFC 6750 §2.1)
 * for scripts. Compared as SHA-256 digests with timingSafeEqual: equal lengths whatever was sent,
 * and no early exit that tells how much of a guess was right. Anything else is 401 with both
 * challenges (Basic first, the one browsers answer with their prompt).
 */
function operatorToken(token: string): RequestHandler {
  const expected = createHash('sha256').update(token).digest();
  return (req, res, next) => {
    const presented = presentedToken(req.get('authorization') ?? '');
    if (timingSafeEqual(createHash('sha256').update(presented).digest(), expected) && presented) {
      res.set('Cache-Control', 'no-store');
      return next();
    }
    res.set('WWW-Authenticate', ['Basic realm="operator", charset="UTF-8"', 'Bearer realm="operator"']);
    sendProblem(
      res,
      401,
      presented ? 'TOKEN_INVALID' : 'TOKEN_MISSING',
      `${OPERATOR_QUEUES_PATH} needs OPERATOR_TOKEN, as the password of HTTP Basic or as Authorization: Bearer`,
    );
  };
}

/** The token a request presents: a Bearer token, or the password of Basic credentials. */
function presentedToken(authorization: string): string {
  const [, scheme = '', value = ''] = /^\s*(\S+)\s+(\S+)\s*$/.exec(authorization) ?? [];
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() !== 'basic') return '';
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? '' : decoded.slice(colon + 1);
}
