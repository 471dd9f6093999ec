/** Every privilege an authorization token or API key can carry. */
export const PRIVILEGES = [
  'exports:read',
  'exports:write',
  'exports:authorize',
  'engagements:write',
  'deliveries:read',
  'deliveries:retry',
  'members:manage',
  'origins:manage',
  'api-keys:manage',
  'audit:read',
  // An API key that holds it may sign members in with member login keys (docs/api/keys-partners-sso.md).
  'members:sign-in',
] as const;
export type Privilege = (typeof PRIVILEGES)[number];

export const ROLES = ['admin', 'manager', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** What each member role may do; a token carries its role's privileges at issue time. */
export const ROLE_PRIVILEGES: Record<Role, readonly Privilege[]> = {
  admin: PRIVILEGES,
  manager: [
    'exports:read',
    'exports:write',
    'exports:authorize',
    'engagements:write',
    'deliveries:read',
    'deliveries:retry',
  ],
  viewer: ['exports:read', 'deliveries:read'],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
