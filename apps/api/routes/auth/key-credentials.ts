import { z } from 'zod';
import { signInWithApiKeyLoginKey } from '../../../core/auth/api-keys/login.ts';
import { signInMemberWithLoginKey } from '../../../core/auth/api-keys/member-login.ts';
import { PARTNER_USER_ID, signInWithPartnerLoginKey } from '../../../core/auth/partners/login.ts';
import { signInWithIdToken } from '../../../core/auth/sso/id-token.ts';
import { credentialKind as kind } from './credential-kind.ts';

// The credential kinds of `POST /v1/auth/token` that a key or a provider vouches for (the list
// that tries them is in credential-kinds.ts).

const duration = z.number().int().min(1).max(120).optional();
const loginKey = z.string().min(1).max(200);

/** `{keyId, loginKey, duration?}`: a server API key's login key (its secret never travels). */
export const apiKeyLoginCredential = kind({
  name: 'api_key_login_key',
  discriminator: 'keyId',
  schema: z.strictObject({
    keyId: z.string().regex(/^apk_[A-Za-z0-9_-]{10,64}$/, 'must be an API key id (apk_…)'),
    loginKey,
    duration,
  }),
  signIn: (deps, body, context) => signInWithApiKeyLoginKey(deps, { ...body, ip: context.ip }),
});

/** `{username, keyId, loginKey, duration?}`: an API key holding members:sign-in vouches for a member of its group. */
export const memberLoginCredential = kind({
  name: 'member_login_key',
  discriminator: 'keyId',
  alsoRequires: ['username'],
  schema: z.strictObject({
    username: z.string().trim().min(1).max(100),
    keyId: z.string().regex(/^apk_[A-Za-z0-9_-]{10,64}$/, 'must be an API key id (apk_…)'),
    loginKey,
    duration,
  }),
  signIn: (deps, body, context) => signInMemberWithLoginKey(deps, { ...body, ip: context.ip }),
});

/** `{partnerId, partnerUserId, loginKey, duration?}`: a partner vouches for one of its users. */
export const partnerLoginCredential = kind({
  name: 'partner_login_key',
  discriminator: 'partnerId',
  schema: z.strictObject({
    partnerId: z.string().regex(/^ptn_[A-Za-z0-9_-]{10,64}$/, 'must be a partner id (ptn_…)'),
    partnerUserId: z.string().regex(PARTNER_USER_ID, 'must be 1–64 letters, digits or . _ @ + -'),
    loginKey,
    duration,
  }),
  signIn: (deps, body, context) => signInWithPartnerLoginKey(deps, { ...body, ip: context.ip }),
});

/** `{idToken, group?, duration?}`: an ID token from a group's OpenID Connect provider. */
export const idTokenCredential = kind({
  name: 'id_token',
  discriminator: 'idToken',
  schema: z.strictObject({
    idToken: z.string().min(1).max(16_384),
    group: z.string().trim().min(1).max(100).optional(),
    duration,
  }),
  signIn: (deps, body, context) => signInWithIdToken(deps, { ...body, ip: context.ip }),
});
