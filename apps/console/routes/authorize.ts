import type { RequestHandler } from 'express';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { decideConsent, readConsentRequest } from '../../core/auth/apps/consent.ts';
import type { Deps } from '../../core/deps.ts';
import { AppError } from '../../core/errors.ts';
import { callerOf } from '../../http/authenticate.ts';
import { parse } from '../../http/validate.ts';
import { viewSession } from '../session.ts';
import { consentEndedPage, consentPage, otherGroupPage } from '../views/authorize.ts';

const ended = (error: unknown) => error instanceof AppError && error.code === 'AUTHORIZATION_REQUEST_EXPIRED';

/**
 * `GET /console/authorize/:uid`, behind the console session (sign-in brings the member back):
 * where the authorization server sends a third-party app's request. The sign-in step is answered
 * at once from the session; the consent step shows the consent page (apps/core/auth/apps/consent.ts).
 */
export function consentView(deps: Deps, provider: Provider): RequestHandler {
  return async (req, res) => {
    res.set('Cache-Control', 'no-store');
    try {
      const uid = String(req.params.uid);
      const request = await readConsentRequest(deps, provider, req, res, callerOf(req), uid);
      if (request.kind === 'sign-in') return; // answered: back to the authorization server
      const session = await viewSession(deps, req);
      const page = request.kind === 'consent' ? consentPage(session, request) : otherGroupPage(session, request);
      res.type('html').send(page);
    } catch (error) {
      if (!ended(error)) throw error;
      res.status(400).type('html').send(consentEndedPage());
    }
  };
}

const decisionBody = z.strictObject({ decision: z.enum(['allow', 'deny']) });

/**
 * `POST /console/authorize/:uid {decision}` (console session cookie and X-CSRF-Token): Allow or
 * Deny. Answers `{redirectTo}`, the authorization server's address that sends the browser to the app.
 */
export function consentDecision(deps: Deps, provider: Provider): RequestHandler {
  return async (req, res) => {
    const { decision } = parse(decisionBody, req.body);
    const redirectTo = await decideConsent(
      deps,
      provider,
      req,
      res,
      callerOf(req),
      String(req.params.uid),
      decision === 'allow',
    );
    res.set('Cache-Control', 'no-store');
    res.json({ redirectTo });
  };
}
