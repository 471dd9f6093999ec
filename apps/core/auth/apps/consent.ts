import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { type Privilege, PRIVILEGES, ROLE_PRIVILEGES } from '../../groups/roles.ts';
import { currentRole } from '../../groups/lookup.ts';
import { storedPrivileges } from '../api-keys/api-keys.ts';
import { type Caller, memberIdOf } from '../caller.ts';
import { apiResource } from './authorization-server.ts';
import { recordAuthorization } from './authorizations.ts';

/**
 * The console's side of an authorization request (apps/console/routes/authorize.ts): who signs
 * in (the console session's member), what the consent page shows, and what Allow and Deny do.
 * The grant is bound to the session's group, which must be the app's.
 */

type ConsentDeps = Pick<Deps, 'db' | 'clock' | 'config'>;

/** What the consent page needs to know about one authorization request. */
export type ConsentRequest =
  | { kind: 'sign-in' }
  | {
      kind: 'consent';
      uid: string;
      appName: string;
      /** What the member may give: asked for, registered for the app, and held by the member's role. */
      privileges: Privilege[];
      /** Asked for but not given: the app was not registered for it, or the member does not hold it. */
      withheld: string[];
    }
  | { kind: 'other-group'; uid: string; appName: string };

/**
 * Reads the pending request for the console page at `/console/authorize/<uid>`. At the login
 * step the member is signed in from the console session straight away (`kind: 'sign-in'`: the
 * answer was written, a redirect back to the authorization server, which then asks for consent).
 */
export async function readConsentRequest(
  deps: ConsentDeps,
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  caller: Caller,
  uid: string,
): Promise<ConsentRequest> {
  const details = await interactionOf(provider, req, res, uid);
  const userId = memberIdOf(caller, 'Only a member can authorize an app');
  const app = await appOf(deps, details.params.client_id);
  if (app.groupId !== caller.groupId) return { kind: 'other-group', uid, appName: app.name };
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: userId } }, { mergeWithLastSubmission: false });
    return { kind: 'sign-in' };
  }
  if (details.prompt.name !== 'consent') throw expired();
  const { privileges, withheld } = await grantable(deps, caller, userId, app.privileges, details.params.scope);
  return { kind: 'consent', uid, appName: app.name, privileges, withheld };
}

/**
 * Allow or Deny on the consent page: Allow makes the grant (the privileges the page named) and
 * its consent row; Deny answers the app `access_denied`. Answers where the browser goes next
 * (the authorization server, which redirects to the app).
 */
export async function decideConsent(
  deps: ConsentDeps,
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  caller: Caller,
  uid: string,
  allow: boolean,
): Promise<string> {
  const details = await interactionOf(provider, req, res, uid);
  const userId = memberIdOf(caller, 'Only a member can authorize an app');
  const app = await appOf(deps, details.params.client_id);
  const deny = () =>
    provider.interactionResult(
      req,
      res,
      { error: 'access_denied', error_description: 'The member did not authorize the app' },
      { mergeWithLastSubmission: false },
    );
  if (!allow) return deny();
  if (details.prompt.name !== 'consent' || details.session?.accountId !== userId) throw expired();
  const { privileges } = await grantable(deps, caller, userId, app.privileges, details.params.scope);
  if (app.groupId !== caller.groupId || privileges.length === 0) return deny();
  const resource = apiResource(deps.config.PUBLIC_URL);
  const grant = new provider.Grant({ accountId: userId, clientId: app.clientId });
  grant.addResourceScope(resource, privileges.join(' '));
  const requested = scopesOf(details.params.scope);
  const refused = requested.filter((s) => !privileges.includes(s as Privilege));
  if (refused.length) grant.rejectResourceScope(resource, refused.join(' '));
  const grantId = await grant.save();
  await recordAuthorization(deps, {
    grantId,
    appId: app.id,
    groupId: caller.groupId,
    userId,
    privileges,
    ip: caller.ip,
  });
  return provider.interactionResult(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const expired = () =>
  new AppError('AUTHORIZATION_REQUEST_EXPIRED', 'This authorization request has ended; start again from the app', 400);

async function interactionOf(provider: Provider, req: IncomingMessage, res: ServerResponse, uid: string) {
  let details: Awaited<ReturnType<Provider['interactionDetails']>>;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    throw expired();
  }
  // The interaction cookie is per path: another uid in the address is another request.
  if (details.uid !== uid) throw expired();
  return details;
}

async function appOf(deps: Pick<Deps, 'db'>, clientId: unknown) {
  const app = typeof clientId === 'string' ? await deps.db.thirdPartyApp.findUnique({ where: { clientId } }) : null;
  if (!app) throw expired();
  return { ...app, privileges: storedPrivileges(app.privileges) };
}

const scopesOf = (scope: unknown) => (typeof scope === 'string' ? scope.split(' ').filter(Boolean) : []);

/** Requested ∩ the app's ∩ the member's current role, in the registry's order. */
async function grantable(
  deps: Pick<Deps, 'db'>,
  caller: Caller,
  userId: string,
  appPrivileges: Privilege[],
  scope: unknown,
): Promise<{ privileges: Privilege[]; withheld: string[] }> {
  const requested = scopesOf(scope);
  const role = await currentRole(deps.db, userId, caller.groupId);
  const held = role ? ROLE_PRIVILEGES[role] : [];
  const privileges = PRIVILEGES.filter((p) => requested.includes(p) && appPrivileges.includes(p) && held.includes(p));
  const withheld = requested.filter((s) => !privileges.includes(s as Privilege));
  return { privileges, withheld };
}
