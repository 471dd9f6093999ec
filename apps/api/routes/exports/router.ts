import { Router } from 'express';
import type { Deps } from '../../../core/deps.ts';
import { authenticate, requirePrivilege } from '../../../http/authenticate.ts';
import { createExport } from './create.ts';
import { deleteExport } from './delete.ts';
import { getExport } from './get.ts';
import { listExports } from './list.ts';
import { authorizeExport } from './oauth/authorize.ts';
import { deleteConnection } from './oauth/delete-connection.ts';
import { getOAuth } from './oauth/get.ts';
import { ownPagesOnly } from './oauth/own-pages-only.ts';
import { putOAuth } from './oauth/put.ts';
import { rotateSigningSecret } from './rotate-signing-secret.ts';
import { updateExport } from './update.ts';
import { checkOAuthConfiguration } from './oauth/check.ts';
import { sendTestEvent } from './send-test.ts';

/**
 * `/v1/exports`: CRUD, signing-secret rotation, OAuth configuration and "Authorize Export". Every
 * service looks the export up by id AND the caller's group, so another group's export is a 404.
 */
export function exportRoutes(deps: Deps): Router {
  const router = Router();
  router.use(authenticate(deps));
  const read = requirePrivilege('exports:read');
  const write = requirePrivilege('exports:write');
  const authorize = requirePrivilege('exports:authorize');
  router.get('/', read, listExports(deps));
  router.post('/', write, createExport(deps));
  router.get('/:id', read, getExport(deps));
  router.patch('/:id', write, updateExport(deps));
  router.delete('/:id', write, deleteExport(deps));
  router.post('/:id/signing-secret', write, rotateSigningSecret(deps));
  router.get('/:id/oauth', read, getOAuth(deps));
  router.put('/:id/oauth', write, putOAuth(deps));
  router.get('/:id/oauth/authorize', authorize, ownPagesOnly(deps), authorizeExport(deps));
  router.delete('/:id/oauth/connection', write, deleteConnection(deps));
  router.post('/:id/oauth/check', write, checkOAuthConfiguration(deps));
  router.post('/:id/test', requirePrivilege('deliveries:retry'), sendTestEvent(deps));
  return router;
}
