import { Router } from 'express';
import type { Deps } from '../../core/deps.ts';

/** Settings pages: Members, API keys, Partners, Trusted origins (and the Settings index). */
export function adminPeopleRoutes(_deps: Deps): Router {
  return Router();
}
