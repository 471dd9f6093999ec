import { ADMIN } from '../helpers/connector.ts';
import type { AppRoute } from '../helpers/route-inventory.ts';

/**
 * The route table of api-robustness.int.test.ts. Every route of the app must be listed here
 * (the test walks the Express router and fails for a route that is not), with an example body
 * for every route that takes one, so a new route cannot escape the malformed-body, other-group
 * and no-credential checks.
 */

/** What one group owns and one other group is, created by the test before the sweeps. */
export interface Fixtures {
  group: string;
  groupId: string;
  /** A second group of the same admin, whose token must see nothing of `group`. */
  otherGroup: string;
  exportId: string;
  deliveryId: string;
  engagementId: string;
  apiKeyId: string;
  partnerId: string;
  /** A viewer of `group` (a `:username`). */
  memberUsername: string;
  /** The member whose password `PUT /v1/auth/password` changes, and the new one. */
  passwordMember: { username: string; password: string; newPassword: string };
  webhookUrl: string;
  /** A `PUT /v1/exports/:id/oauth` body for the test's OAuth server, client secret included. */
  oauthConfig: Record<string, unknown>;
  /** The test's OpenID provider, for SSO (discovery is tried before saving). */
  ssoIssuer: string;
  ssoClientSecret: string;
  /** Unique per call, for bodies that create named things. */
  unique(prefix: string): string;
}

export interface RouteSpec {
  /**
   * - `group`: scoped to the token's group. With path parameters, another group's token gets 404
   *   for this group's resources; without, it only ever sees its own group's data.
   * - `self`: the caller's own user or token (`/v1/auth/me`, `GET /v1/groups` …).
   * - `public`: no credential (sign-in, the OAuth callback, health, static assets).
   * - `page`: a console page, which sends a visitor without a session to the sign-in page.
   */
  access: 'group' | 'self' | 'public' | 'page';
  /** Valid example bodies (each must pass validation); none: the route takes no body. */
  bodies?: (f: Fixtures) => Record<string, unknown>[];
  /** Fields whose value may be any JSON (an engagement's own data). */
  freeFields?: string[];
  /** Unknown fields are allowed (docs/api/engagements.md) (an engagement is `{id, …any JSON}`). */
  openObject?: boolean;
  /** Who calls it: the admin of `group` (default), a fresh admin token per call, or `passwordMember`. */
  caller?: 'admin' | 'fresh-admin' | 'password-member';
  /** A viewer (privileges `exports:read`, `deliveries:read`) may call this write route. */
  viewerMayWrite?: boolean;
  /** Answer fields carrying a secret this answer alone may show (the documented one-time answers). */
  oneTimeSecrets?: string[];
  /** The route's own JSON body limit, when it is not /v1's 1 MiB. */
  bodyLimitBytes?: number;
  /** Path parameters the default (by name and the segment before `:id`) cannot fill. */
  params?: (f: Fixtures) => Record<string, string>;
}

const futureIso = () => new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();

const signIn = (f: Fixtures) => ({ username: ADMIN.username, password: ADMIN.password, group: f.group });

export const ROUTES: Record<string, RouteSpec> = {
  // Operations, the console and the browser ends of OAuth and SSO.
  'GET /': { access: 'public' },
  'GET /healthz': { access: 'public' },
  'GET /readyz': { access: 'public' },
  'GET /metrics': { access: 'public' },
  'GET /docs/errors': { access: 'public' },
  'GET /docs/api': { access: 'public' },
  'GET /docs/assets/docs.css': { access: 'public' },
  'GET /v1/openapi.json': { access: 'public' },
  'GET /docs/errors/:code': { access: 'public', params: () => ({ code: 'TOKEN_MISSING' }) },
  'GET /console': { access: 'public' },
  'GET /console/sign-in': { access: 'public' },
  'GET /console/set-password': { access: 'public' },
  'POST /console/session': {
    access: 'public',
    bodyLimitBytes: 8 * 1024,
    bodies: (f) => [{ ...signIn(f), next: '/console/exports' }],
  },
  'GET /console/exports': { access: 'page' },
  'GET /console/exports/new': { access: 'page' },
  'GET /console/exports/:id': { access: 'page' },
  'GET /console/deliveries': { access: 'page' },
  'GET /console/deliveries/:id': { access: 'page' },
  'GET /console/admin': { access: 'page' },
  'GET /console/admin/members': { access: 'page' },
  'GET /console/admin/api-keys': { access: 'page' },
  'GET /console/admin/partners': { access: 'page' },
  'GET /console/admin/origins': { access: 'page' },
  'GET /console/admin/sso': { access: 'page' },
  'GET /console/admin/notifications': { access: 'page' },
  'GET /console/admin/apps': { access: 'page' },
  'GET /console/admin/audit': { access: 'page' },
  'GET /oauth/callback': { access: 'public' },
  'GET /oauth/callback/result': { access: 'public' },
  'GET /oauth/callback/callback.js': { access: 'public' },
  'GET /oauth/callback/callback.css': { access: 'public' },
  'GET /sso/start': { access: 'public' },
  'GET /sso/callback': { access: 'public' },

  // Authorization tokens and the caller's own account.
  'POST /v1/auth/password-setup': {
    access: 'public',
    bodies: () => [{ token: 'pws_not-a-link-anyone-was-given', password: 'a long enough password' }],
  },
  'POST /v1/auth/token': {
    access: 'public',
    oneTimeSecrets: ['token'],
    bodies: (f) => [
      { ...signIn(f), duration: 5 },
      { keyId: 'apk_0123456789abcdef', loginKey: 'not-a-login-key', duration: 5 },
      { partnerId: 'ptn_0123456789abcdef', partnerUserId: 'agent-7', loginKey: 'not-a-login-key' },
      { idToken: 'eyJhbGciOiJub25lIn0.e30.', group: f.group, duration: 5 },
    ],
  },
  'POST /v1/auth/session': { access: 'public', bodies: (f) => [{ ...signIn(f), duration: 5 }] },
  'POST /v1/auth/logout': { access: 'self', caller: 'fresh-admin' },
  'GET /v1/auth/me': { access: 'self' },
  'PUT /v1/auth/password': {
    access: 'self',
    caller: 'password-member',
    bodies: (f) => [{ currentPassword: f.passwordMember.password, newPassword: f.passwordMember.newPassword }],
  },

  // Groups, members, browser origins, SSO.
  'GET /v1/groups': { access: 'self' },
  'POST /v1/groups': { access: 'self', bodies: (f) => [{ name: f.unique('group') }] },
  'GET /v1/groups/:group/members': { access: 'group' },
  'POST /v1/groups/:group/members': {
    access: 'group',
    oneTimeSecrets: ['setPasswordUrl'],
    bodies: (f) => [
      { username: f.unique('member'), password: f.unique('password'), role: 'viewer' },
      { username: f.unique('member'), role: 'viewer' },
    ],
  },
  'PATCH /v1/groups/:group/members/:username': { access: 'group', bodies: () => [{ role: 'viewer' }] },
  'DELETE /v1/groups/:group/members/:username': { access: 'group' },
  'GET /v1/groups/:group/origins': { access: 'group' },
  'PUT /v1/groups/:group/origins': { access: 'group', bodies: () => [{ origins: ['https://app.example.com'] }] },
  'GET /v1/groups/:group/sso': { access: 'group' },
  'PUT /v1/groups/:group/sso': {
    access: 'group',
    bodies: (f) => [
      { issuer: f.ssoIssuer, clientId: 'connector-sso', clientSecret: f.ssoClientSecret, defaultRole: 'viewer' },
    ],
  },
  'DELETE /v1/groups/:group/sso': { access: 'group' },
  'GET /v1/groups/:group/notifications': { access: 'group' },
  'PUT /v1/groups/:group/notifications': {
    access: 'group',
    bodies: (f) => [
      { webhookUrl: f.webhookUrl, emails: ['ops@example.com'] },
      { webhookUrl: null, emails: [] },
    ],
    oneTimeSecrets: ['signingSecret'],
  },
  'POST /v1/groups/:group/notifications/test': { access: 'group' },

  // Exports and their OAuth configuration.
  'GET /v1/exports': { access: 'group' },
  'POST /v1/exports': {
    access: 'group',
    oneTimeSecrets: ['signingSecret'],
    bodies: (f) => [{ name: f.unique('export'), webhookUrl: f.webhookUrl, enabled: false }],
  },
  'GET /v1/exports/:id': { access: 'group' },
  'PATCH /v1/exports/:id': {
    access: 'group',
    bodies: (f) => [
      { name: 'Robustness export', webhookUrl: f.webhookUrl, enabled: true },
      { retrySchedule: [5, 300], permanentStatuses: [400, 422] },
    ],
  },
  'DELETE /v1/exports/:id': { access: 'group' },
  'POST /v1/exports/:id/signing-secret': { access: 'group', oneTimeSecrets: ['signingSecret'], bodies: () => [{}] },
  'GET /v1/exports/:id/oauth': { access: 'group' },
  'PUT /v1/exports/:id/oauth': { access: 'group', bodies: (f) => [f.oauthConfig] },
  'GET /v1/exports/:id/oauth/authorize': { access: 'group' },
  'DELETE /v1/exports/:id/oauth/connection': { access: 'group' },
  'POST /v1/exports/:id/oauth/check': { access: 'group', bodies: () => [{}] },
  'POST /v1/exports/:id/test': { access: 'group' },

  // Engagements and deliveries.
  'POST /v1/engagements': {
    access: 'group',
    openObject: true,
    freeFields: ['channel', 'transcript'],
    bodies: (f) => [{ id: f.unique('eng'), channel: 'chat', transcript: [{ from: 'visitor', text: 'hello' }] }],
  },
  'GET /v1/exports/:exportId/deliveries': { access: 'group' },
  'POST /v1/exports/:exportId/deliveries/replay': {
    access: 'group',
    bodies: () => [{ since: '2020-01-01T00:00:00Z', status: ['failed', 'dead'] }],
  },
  'GET /v1/deliveries/:id': { access: 'group' },
  'POST /v1/deliveries/:id/retry': { access: 'group' },
  'GET /v1/deliveries': { access: 'group' },
  'POST /v1/deliveries/retry': {
    access: 'group',
    bodies: (f) => [
      {},
      {
        exportId: f.exportId,
        status: ['failed', 'dead'],
        since: '2020-01-01T00:00:00Z',
        until: futureIso(),
        engagementId: f.engagementId,
      },
    ],
  },
  'POST /v1/deliveries/:id/resend': { access: 'group' },

  // Credentials (docs/api/keys-partners-sso.md) and the audit log.
  'GET /v1/api-keys': { access: 'group' },
  'POST /v1/api-keys': {
    access: 'group',
    oneTimeSecrets: ['secret'],
    bodies: (f) => [{ name: f.unique('key'), privileges: ['exports:read'], expiresAt: futureIso() }],
  },
  'DELETE /v1/api-keys/:id': { access: 'group' },
  'GET /v1/partners': { access: 'group' },
  'POST /v1/partners': {
    access: 'group',
    oneTimeSecrets: ['secret'],
    bodies: (f) => [{ name: f.unique('partner'), role: 'viewer' }],
  },
  'DELETE /v1/partners/:id': { access: 'group' },
  'GET /v1/audit': { access: 'group' },

  // Third-party apps (docs/api/third-party-apps.md): registration, the member's authorized apps, consent.
  'GET /v1/apps': { access: 'group' },
  'POST /v1/apps': {
    access: 'group',
    oneTimeSecrets: ['clientSecret'],
    bodies: (f) => [
      { name: f.unique('app'), redirectUris: ['https://app.example.com/callback'], privileges: ['exports:read'] },
    ],
  },
  'DELETE /v1/apps/:id': { access: 'group', params: () => ({ id: 'app_notAnAppOfThisGroup0000' }) },
  'GET /v1/auth/apps': { access: 'self' },
  'DELETE /v1/auth/apps/:id': { access: 'self', params: () => ({ id: 'app_notAnAppOfThisGroup0000' }) },
  'GET /console/authorize/:uid': { access: 'page', params: () => ({ uid: 'not-a-pending-request' }) },
  'POST /console/authorize/:uid': {
    access: 'self',
    bodyLimitBytes: 1024,
    bodies: () => [{ decision: 'deny' }],
    params: () => ({ uid: 'not-a-pending-request' }),
  },
};

// `:id` is named after the collection before it.
const ID_AFTER: Record<string, keyof Fixtures> = {
  exports: 'exportId',
  deliveries: 'deliveryId',
  'api-keys': 'apiKeyId',
  partners: 'partnerId',
};
const BY_NAME: Record<string, keyof Fixtures> = {
  exportId: 'exportId',
  group: 'group',
  username: 'memberUsername',
};

/** The path parameters of a route, all naming `f.group`'s things; throws naming the route when it cannot tell. */
export function paramsFor(route: AppRoute, spec: RouteSpec, f: Fixtures): Record<string, string> {
  const explicit = spec.params?.(f) ?? {};
  const values: Record<string, string> = {};
  const segments = route.path.split('/');
  segments.forEach((segment, i) => {
    if (!segment.startsWith(':')) return;
    const name = segment.slice(1);
    const field =
      explicit[name] === undefined ? (name === 'id' ? ID_AFTER[segments[i - 1] ?? ''] : BY_NAME[name]) : undefined;
    const value = explicit[name] ?? (field ? f[field] : undefined);
    if (typeof value !== 'string') {
      throw new Error(`Tell test/integration/api-robustness.routes.ts how to fill :${name} of ${route.key} (params)`);
    }
    values[name] = value;
  });
  return values;
}
