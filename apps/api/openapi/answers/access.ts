import { z } from 'zod';
import { instant, page, privilege, role, unpaged } from './common.ts';

// Answers of authentication, groups and members, API keys, partners, SSO, apps and the audit log
// (docs/api/authentication.md, groups-and-members.md, keys-partners-sso.md, third-party-apps.md,
// audit.md), as the services build them (apps/core/auth/**, apps/core/groups/**).

const tokenFields = {
  expiresAt: instant,
  group: z.string().meta({ description: 'The group’s name' }),
  groupId: z.string(),
  role: role.nullable().meta({ description: 'The member’s role; null when the token acts for an API key' }),
  privileges: z.array(privilege),
};

export const tokenAnswer = z
  .object({
    token: z.string().max(255).meta({ description: 'Send as `Authorization: Bearer <token>`' }),
    ...tokenFields,
  })
  .meta({ id: 'AuthorizationToken' });

export const sessionAnswer = z
  .object({ ...tokenFields, csrfToken: z.string().meta({ description: 'Send as `X-CSRF-Token` on changes' }) })
  .meta({ id: 'ConsoleSession' });

export const meAnswer = z.object({
  user: z.object({ id: z.string(), username: z.string().nullable() }).nullable(),
  group: z.object({ id: z.string(), name: z.string() }),
  role: role.nullable(),
  privileges: z.array(privilege),
  expiresAt: instant.nullable(),
});

export const passwordSetupAnswer = z.object({ username: z.string(), group: z.string() });

export const group = z.object({ id: z.string(), name: z.string(), role, createdAt: instant }).meta({ id: 'Group' });
export const groupList = unpaged(group);

export const member = z.object({ username: z.string(), role, createdAt: instant }).meta({ id: 'Member' });
export const memberList = unpaged(member);
export const addedMember = z.object({
  username: z.string(),
  role,
  createdAt: instant,
  setPasswordUrl: z
    .string()
    .nullable()
    .meta({ description: 'A one-time link for the member to choose a password; null when a password was given' }),
});

export const origins = z.object({ origins: z.array(z.string()) });

export const notificationSetting = z
  .object({
    webhookUrl: z.string().nullable(),
    emails: z.array(z.string()),
    smtpConfigured: z.boolean().meta({ description: 'Whether the connector can send mail (SMTP_URL is set)' }),
    updatedAt: instant.nullable(),
  })
  .meta({ id: 'NotificationSetting' });
export const savedNotificationSetting = notificationSetting.extend({
  signingSecret: z
    .string()
    .optional()
    .meta({ description: 'For a new webhook URL only, in this answer only (`whsec_…`)' }),
});
export const notificationTest = z.object({
  type: z.literal('notification.test'),
  channels: z.array(
    z.object({
      channel: z.enum(['webhook', 'email']),
      id: z.string(),
      status: z.enum(['sent', 'pending', 'failed']),
      error: z.string().optional(),
    }),
  ),
});

export const ssoProvider = z
  .object({
    issuer: z.string(),
    clientId: z.string(),
    clientSecretSet: z.literal(true),
    defaultRole: role,
    redirectUri: z.string().meta({ description: 'Register this redirect URI with the identity provider' }),
    signInUrl: z.string(),
    updatedAt: instant,
  })
  .meta({ id: 'SsoProvider' });

const apiKeyFields = {
  id: z.string(),
  name: z.string(),
  privileges: z.array(privilege),
  status: z.enum(['active', 'revoked', 'expired']),
  expiresAt: instant.nullable(),
  revokedAt: instant.nullable(),
  lastUsedAt: instant.nullable(),
  createdAt: instant,
};
export const apiKey = z.object(apiKeyFields).meta({ id: 'ApiKey' });
export const apiKeyList = page(apiKey);
export const createdApiKey = z.object({
  ...apiKeyFields,
  secret: z.string().meta({ description: 'The key’s secret, in this answer only' }),
});

const partnerFields = {
  id: z.string(),
  name: z.string(),
  role,
  status: z.enum(['active', 'revoked']),
  revokedAt: instant.nullable(),
  createdAt: instant,
};
export const partner = z.object(partnerFields).meta({ id: 'Partner' });
export const partnerList = page(partner);
export const createdPartner = z.object({
  ...partnerFields,
  secret: z.string().meta({ description: 'The partner’s secret, in this answer only' }),
});

const appFields = {
  id: z.string(),
  clientId: z.string(),
  name: z.string(),
  redirectUris: z.array(z.string()),
  privileges: z.array(privilege),
  createdAt: instant,
};
export const thirdPartyApp = z.object(appFields).meta({ id: 'App' });
export const appList = page(thirdPartyApp);
export const createdApp = z.object({
  ...appFields,
  clientSecret: z.string().meta({ description: 'The app’s client secret, in this answer only' }),
});
export const authorizedApps = z.object({
  items: z.array(
    z.object({ id: z.string(), name: z.string(), privileges: z.array(privilege), authorizedAt: instant }).meta({
      id: 'AuthorizedApp',
    }),
  ),
});

export const auditList = page(
  z
    .object({
      id: z.string(),
      createdAt: instant,
      action: z.string(),
      outcome: z.string(),
      reason: z.string().nullable(),
      actorType: z.string(),
      actorId: z.string().nullable(),
      targetType: z.string().nullable(),
      targetId: z.string().nullable(),
      ip: z.string().nullable(),
      details: z.record(z.string(), z.unknown()).nullable(),
    })
    .meta({ id: 'AuditEntry' }),
);
