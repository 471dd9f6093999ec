import { Router } from 'express';
import type { Deps } from '../../core/deps.ts';

/** Settings pages: Single sign-on, Notifications, Apps, Audit log. */
export function adminIntegrationRoutes(_deps: Deps): Router {
  return Router();
}
