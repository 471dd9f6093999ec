import type { TestConnector } from '../helpers/connector.ts';
import type { Fixtures } from './api-robustness.routes.ts';

/**
 * What another group's token could have changed in a group, read from the database: its exports
 * (signing secrets included), their OAuth configuration, connection and authorization requests,
 * members, origins, SSO, API keys, partners, engagements and deliveries. Columns the workers move
 * on their own (delivery attempts, last-used times) are left out so the comparison is about writes.
 */
export async function groupSnapshot(connector: TestConnector, f: Fixtures): Promise<unknown> {
  const { db } = connector.deps;
  const groupId = f.groupId;
  const exportIds = (await db.export.findMany({ where: { groupId }, select: { id: true } })).map((e) => e.id);
  const inExports = { exportId: { in: exportIds } };
  const [exports, configs, connections, requests, members, origins, sso, keys, partners, engagements, deliveries] =
    await Promise.all([
      db.export.findMany({
        where: { groupId },
        orderBy: { id: 'asc' },
        select: {
          id: true,
          name: true,
          webhookUrl: true,
          enabled: true,
          signingSecretEnc: true,
          previousSigningSecretEnc: true,
        },
      }),
      db.oAuthConfig.findMany({ where: inExports, orderBy: { exportId: 'asc' } }),
      db.oAuthConnection.findMany({
        where: inExports,
        orderBy: { exportId: 'asc' },
        select: { exportId: true, status: true, accessTokenEnc: true, refreshTokenEnc: true, authorizedAt: true },
      }),
      db.authorizationRequest.count({ where: inExports }),
      db.membership.findMany({ where: { groupId }, orderBy: { userId: 'asc' } }),
      db.groupOrigin.findMany({ where: { groupId }, orderBy: { origin: 'asc' } }),
      db.ssoProvider.findUnique({ where: { groupId } }),
      db.apiKey.findMany({
        where: { groupId },
        orderBy: { id: 'asc' },
        select: { id: true, name: true, privileges: true, expiresAt: true, revokedAt: true },
      }),
      db.partner.findMany({ where: { groupId }, orderBy: { id: 'asc' } }),
      db.engagement.findMany({ where: { groupId }, orderBy: { id: 'asc' }, select: { id: true } }),
      db.delivery.findMany({ where: { groupId }, orderBy: { id: 'asc' }, select: { id: true, exportId: true } }),
    ]);
  return { exports, configs, connections, requests, members, origins, sso, keys, partners, engagements, deliveries };
}
