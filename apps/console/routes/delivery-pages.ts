import { Router } from 'express';
import type { Deps } from '../../core/deps.ts';

/** The group-wide delivery log and the delivery inspector. */
export function deliveryPageRoutes(_deps: Deps): Router {
  return Router();
}
