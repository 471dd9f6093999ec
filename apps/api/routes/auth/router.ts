import { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { authenticate } from '../../../http/authenticate.ts';
import { issueToken } from './issue-token.ts';
import { logout } from './logout.ts';
import { me } from './me.ts';
import { openSession } from './open-session.ts';
import { changePasswordRoute } from './password.ts';
import { passwordSetupRoute } from './password-setup.ts';

/** `/v1/auth`: token and cookie-session issue (public), sign-out and "who am I" (authenticated). */
export function authRoutes(deps: Deps): Router {
  const router = Router();
  router.post('/token', issueToken(deps));
  router.post('/session', openSession(deps));
  router.post('/logout', authenticate(deps), logout(deps));
  router.get('/me', authenticate(deps), me(deps));
  router.put('/password', authenticate(deps), changePasswordRoute(deps));
  router.post('/password-setup', passwordSetupRoute(deps));
  return router;
}
