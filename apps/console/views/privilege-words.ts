import type { Privilege } from '../../core/groups/roles.ts';

/** Each privilege in plain words, as the consent page names what an app may do (docs/api/third-party-apps.md). */
export const PRIVILEGE_WORDS: Record<Privilege, string> = {
  'exports:read': 'See your group’s exports and their settings',
  'exports:write': 'Create, change and delete exports',
  'exports:authorize': 'Connect exports to a CRM account',
  'engagements:write': 'Send engagements to be delivered',
  'deliveries:read': 'See deliveries, their attempts and what the CRM answered',
  'deliveries:retry': 'Retry and resend deliveries',
  'members:manage': 'Add, change and remove your group’s members',
  'origins:manage': 'Choose which web sites your group trusts',
  'api-keys:manage': 'Create and revoke API keys and apps',
  'audit:read': 'Read your group’s audit log',
  'members:sign-in': 'Sign members in with login keys',
};
