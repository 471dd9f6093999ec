/**
 * The additional authenticated data bound to each encrypted column (see SecretBox): a
 * ciphertext only decrypts in the row and column it was written for, so a copied value fails.
 */
export const secretContext = {
  webhookSigningSecret: (exportId: string) => `export:${exportId}:signing-secret`,
  previousWebhookSigningSecret: (exportId: string) => `export:${exportId}:previous-signing-secret`,
  clientSecret: (exportId: string) => `export:${exportId}:client-secret`,
  accessToken: (exportId: string) => `connection:${exportId}:access-token`,
  refreshToken: (exportId: string) => `connection:${exportId}:refresh-token`,
  tokenExtra: (exportId: string) => `connection:${exportId}:extra`,
  codeVerifier: (requestId: string) => `authorization-request:${requestId}:code-verifier`,
  authorizationCode: (requestId: string) => `authorization-request:${requestId}:code`,
  apiKeySecret: (keyId: string) => `api-key:${keyId}:secret`,
  partnerSecret: (partnerId: string) => `partner:${partnerId}:secret`,
  ssoClientSecret: (groupId: string) => `sso-provider:${groupId}:client-secret`,
  ssoCodeVerifier: (stateHash: string) => `sso-login:${stateHash}:code-verifier`,
  notificationSigningSecret: (groupId: string) => `group-notification:${groupId}:signing-secret`,
} as const;
