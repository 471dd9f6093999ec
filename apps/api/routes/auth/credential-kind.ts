import type { z } from 'zod';
import type { SignInResult } from '../../../core/auth/tokens/issue.ts';
import type { Deps } from '../../../core/deps.ts';

// The shape every credential kind of `POST /v1/auth/token` has, apart from the list of kinds
// (credential-kinds.ts) and the kinds themselves (there and in key-credentials.ts), so that
// neither of those two imports the other.

/** What a credential kind knows about the request besides its body. */
export interface SignInContext {
  ip: string;
}

/**
 * One way to obtain an authorization token at `POST /v1/auth/token`. The body field named by
 * `discriminator` selects the kind; its strict schema then refuses unknown fields with a 400.
 */
export interface CredentialKind<S extends z.ZodType = z.ZodType> {
  /** Named in the audit log and in error messages. */
  name: string;
  /** The body field only this kind sends (e.g. `password`, `loginKey`, `idToken`). */
  discriminator: string;
  /** Other fields that must be present too (a member login key sends `username` beside `keyId`). */
  alsoRequires?: string[];
  schema: S;
  signIn(deps: Deps, body: z.infer<S>, context: SignInContext): Promise<SignInResult>;
}

/** True when the body is this kind's: it has the discriminator and every field `alsoRequires` names. */
export function isKindOf(kind: CredentialKind, body: object): boolean {
  return kind.discriminator in body && (kind.alsoRequires ?? []).every((field) => field in body);
}

/** Declares a kind with its schema's type checked against its `signIn`. */
export function credentialKind<S extends z.ZodType>(kind: CredentialKind<S>): CredentialKind {
  return kind as unknown as CredentialKind;
}
