import { recordAudit } from '../../audit.ts';
import { secretContext } from '../../crypto/contexts.ts';
import type { Deps } from '../../deps.ts';
import { notFound, validationFailed } from '../../errors.ts';
import { isRole, type Role } from '../../groups/roles.ts';
import { checkOutboundUrl } from '../../net/url-policy.ts';
import { assertMayGrantRole, type Caller } from '../caller.ts';
import { discoverProvider, ssoRedirectUri } from './client.ts';

/** A group's SSO configuration as the API shows it: never the client secret. */
export interface SsoProviderView {
  issuer: string;
  clientId: string;
  clientSecretSet: true;
  /** The role of members created on their first SSO sign-in (the group's default role). */
  defaultRole: Role;
  /** Register this redirect URI with the identity provider. */
  redirectUri: string;
  /** Where "Sign in with SSO" starts for this group. */
  signInUrl: string;
  updatedAt: string;
}

type ConfigDeps = Pick<Deps, 'db' | 'config' | 'dispatcher' | 'secretBox'>;

function view(
  config: Deps['config'],
  group: { name: string; defaultRole: string },
  row: { issuer: string; clientId: string; updatedAt: Date },
): SsoProviderView {
  return {
    issuer: row.issuer,
    clientId: row.clientId,
    clientSecretSet: true,
    defaultRole: group.defaultRole as Role,
    redirectUri: ssoRedirectUri(config),
    signInUrl: `${config.PUBLIC_URL}/sso/start?group=${encodeURIComponent(group.name)}`,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The group's SSO configuration, or 404 when it has none. */
export async function getSsoProvider(
  deps: Pick<ConfigDeps, 'db' | 'config'>,
  groupId: string,
): Promise<SsoProviderView> {
  const row = await deps.db.ssoProvider.findUnique({ where: { groupId } });
  if (!row) throw notFound('SSO configuration');
  const group = await deps.db.group.findUniqueOrThrow({ where: { id: groupId } });
  return view(deps.config, group, row);
}

/**
 * Sets the OpenID Connect provider a group trusts. The issuer must pass the outbound URL policy
 * and answer discovery with these client credentials' issuer before anything is saved, so a typo
 * shows up here and not at a member's first sign-in. The client secret may be left out to keep
 * the stored one.
 */
export async function putSsoProvider(
  deps: ConfigDeps,
  actor: Caller,
  input: { issuer: string; clientId: string; clientSecret?: string | undefined; defaultRole?: Role | undefined },
): Promise<SsoProviderView> {
  // Members SSO creates get the default role: whoever configures SSO must hold all it carries,
  // the role kept from before included (docs/api/groups-and-members.md: nobody grants what they do not hold).
  await assertMayGrantDefaultRole(deps, actor, input.defaultRole);
  const issuer = input.issuer.replace(/\/+$/, '');
  const problem = await checkOutboundUrl(issuer, {
    allowPrivateTargets: deps.config.ALLOW_PRIVATE_TARGETS,
    allowInsecureHttp: deps.config.ALLOW_INSECURE_HTTP,
  });
  if (problem) throw validationFailed([{ field: 'issuer', message: problem }]);
  const existing = await deps.db.ssoProvider.findUnique({ where: { groupId: actor.groupId } });
  if (!input.clientSecret && !existing) {
    throw validationFailed([{ field: 'clientSecret', message: 'is required when SSO is first configured' }]);
  }
  const context = secretContext.ssoClientSecret(actor.groupId);
  const clientSecret = input.clientSecret ?? deps.secretBox.decrypt(existing!.clientSecretEnc, context);
  try {
    await discoverProvider(deps, issuer, input.clientId, clientSecret);
  } catch (error) {
    throw validationFailed([{ field: 'issuer', message: (error as Error).message }]);
  }
  const data = { issuer, clientId: input.clientId, clientSecretEnc: deps.secretBox.encrypt(clientSecret, context) };
  const row = await deps.db.ssoProvider.upsert({
    where: { groupId: actor.groupId },
    create: { groupId: actor.groupId, ...data },
    update: data,
  });
  const group = input.defaultRole
    ? await deps.db.group.update({ where: { id: actor.groupId }, data: { defaultRole: input.defaultRole } })
    : await deps.db.group.findUniqueOrThrow({ where: { id: actor.groupId } });
  await recordAudit(deps.db, {
    groupId: actor.groupId,
    actorType: actor.kind,
    actorId: actor.id,
    action: existing ? 'sso_provider.update' : 'sso_provider.create',
    outcome: 'success',
    targetType: 'sso_provider',
    targetId: actor.groupId,
    ip: actor.ip,
    details: {
      issuer,
      clientId: input.clientId,
      clientSecretChanged: Boolean(input.clientSecret),
      defaultRole: group.defaultRole,
    },
  });
  return view(deps.config, group, row);
}

/** Removes the group's SSO configuration: SSO sign-in stops; existing members and tokens stay. */
async function assertMayGrantDefaultRole(deps: Pick<ConfigDeps, 'db'>, actor: Caller, wanted: Role | undefined) {
  const group = await deps.db.group.findUniqueOrThrow({ where: { id: actor.groupId }, select: { defaultRole: true } });
  const role = wanted ?? (isRole(group.defaultRole) ? group.defaultRole : 'viewer');
  assertMayGrantRole(actor, role, `the default role "${role}"`);
}

export async function deleteSsoProvider(deps: Pick<ConfigDeps, 'db'>, actor: Caller): Promise<void> {
  const { count } = await deps.db.ssoProvider.deleteMany({ where: { groupId: actor.groupId } });
  if (!count) throw notFound('SSO configuration');
  await recordAudit(deps.db, {
    groupId: actor.groupId,
    actorType: actor.kind,
    actorId: actor.id,
    action: 'sso_provider.delete',
    outcome: 'success',
    targetType: 'sso_provider',
    targetId: actor.groupId,
    ip: actor.ip,
  });
}
