import express, { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';

/** Mounts every /v1 resource. JSON bodies up to 1 MiB (the engagement limit); larger answer 413. */
export function v1Routes(deps: Deps): Router {
  const router = Router();
  router.use(express.json({ limit: '1mb', strict: true }));
  return router;
}
