import { errors as joseErrors } from 'jose';
import { AuthorizationResponseError, ResponseBodyError } from 'openid-client';
import { AppError, type UnauthorizedCode } from '../../errors.ts';

/**
 * SSO refusals with a reason code a person (and the audit log) can act on. openid-client and
 * jose report a failed ID token check as an error with a `code` and, for claim comparisons,
 * the claim that differed (`cause.claim`); this is where those become our codes.
 */
export function ssoRefusal(code: UnauthorizedCode, message: string, cause?: unknown): AppError {
  return new AppError(code, message, 401, { cause });
}

const CLAIM_REFUSALS: Record<string, [UnauthorizedCode, string]> = {
  nonce: ['SSO_NONCE_MISMATCH', 'The ID token was not issued for this sign-in (its nonce does not match)'],
  aud: ['ID_TOKEN_AUDIENCE', 'The ID token was issued to another client (aud does not name this client id)'],
  azp: ['ID_TOKEN_AUDIENCE', 'The ID token was issued to another client (azp)'],
  iss: ['ID_TOKEN_ISSUER', 'The ID token comes from another issuer than the configured one'],
};

/** Translates an error of openid-client's authorization-code grant into an SSO refusal. */
export function fromOpenIdClientError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof AuthorizationResponseError) {
    return ssoRefusal(
      'SSO_DENIED',
      `The identity provider refused the sign-in (${error.error}${error.error_description ? `: ${error.error_description}` : ''})`,
      error,
    );
  }
  if (error instanceof ResponseBodyError) {
    return ssoRefusal('SSO_TOKEN_REFUSED', `The identity provider refused the code exchange (${error.error})`, error);
  }
  // openid-client's ClientError wraps oauth4webapi's OperationProcessingError (`cause`), whose
  // own `cause` names the claim that failed: { claim: 'nonce', expected, claims }.
  const { code, cause } = (error ?? {}) as { code?: string; cause?: { message?: string; cause?: { claim?: string } } };
  const claim = cause?.cause?.claim ?? '';
  if (code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED') {
    const [reason, message] = CLAIM_REFUSALS[claim] ?? [
      'ID_TOKEN_INVALID',
      `The ID token's ${claim || 'claims'} did not check out`,
    ];
    return ssoRefusal(reason, message, error);
  }
  if (code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') {
    return ssoRefusal('ID_TOKEN_EXPIRED', 'The ID token has expired or is not yet valid', error);
  }
  if (code === 'OAUTH_INVALID_RESPONSE' && /signature/i.test(cause?.message ?? '')) {
    return ssoRefusal('ID_TOKEN_SIGNATURE_INVALID', 'The ID token signature does not verify', error);
  }
  return new AppError(
    'SSO_PROVIDER_ERROR',
    `The identity provider's answer could not be used: ${(error as Error)?.message ?? String(error)}`,
    502,
    { cause: error },
  );
}

/** Translates a jose verification error of an ID token into an SSO refusal. */
export function fromJoseError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof joseErrors.JWTExpired) {
    return ssoRefusal('ID_TOKEN_EXPIRED', 'The ID token has expired', error);
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const [reason, message] = CLAIM_REFUSALS[error.claim] ?? [
      'ID_TOKEN_INVALID',
      `The ID token's "${error.claim}" claim did not check out (${error.reason})`,
    ];
    return ssoRefusal(reason, message, error);
  }
  if (
    error instanceof joseErrors.JWSSignatureVerificationFailed ||
    error instanceof joseErrors.JWKSNoMatchingKey ||
    error instanceof joseErrors.JOSEAlgNotAllowed
  ) {
    return ssoRefusal('ID_TOKEN_SIGNATURE_INVALID', 'The ID token signature does not verify', error);
  }
  if (error instanceof joseErrors.JOSEError) {
    return ssoRefusal('ID_TOKEN_INVALID', `The ID token is not valid (${error.code})`, error);
  }
  return new AppError(
    'SSO_PROVIDER_ERROR',
    `The identity provider's keys could not be read: ${(error as Error)?.message ?? String(error)}`,
    502,
    { cause: error },
  );
}
