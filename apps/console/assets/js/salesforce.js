// The Salesforce preset. Salesforce's OAuth endpoints live on the login host of the org's
// environment (production login.salesforce.com, sandboxes test.salesforce.com, or the org's My
// Domain) at /services/oauth2/authorize and /services/oauth2/token. A refresh token is only
// issued with the `refresh_token` (alias `offline_access`) scope; `api` lets the token call the
// org's REST API, where the webhook usually lives.

export const SALESFORCE_SCOPES = 'api refresh_token offline_access';

const LOGIN_HOSTS = { login: 'login.salesforce.com', test: 'test.salesforce.com' };

// My Domain hosts: acme.my.salesforce.com, acme--uat.sandbox.my.salesforce.com, and the
// older acme.cs42.my.salesforce.com forms all end in .my.salesforce.com.
const MY_DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9-]+)*\.my\.salesforce\.com$/;

/**
 * The preset's values for a login choice ('login' | 'test' | 'mydomain'); for My Domain the host
 * the manager typed (a pasted URL is accepted). Returns {error} when that host is not one.
 */
export function salesforcePreset(choice, myDomainInput) {
  let host = LOGIN_HOSTS[choice];
  if (choice === 'mydomain') {
    const typed = String(myDomainInput || '')
      .trim()
      .toLowerCase()
      .replace(/^https?:\/\//, '')
      .replace(/\/.*$/, '');
    if (!MY_DOMAIN.test(typed)) return { error: 'Enter your My Domain host, like acme.my.salesforce.com' };
    host = typed;
  }
  return {
    authorizationUrl: `https://${host}/services/oauth2/authorize`,
    tokenUrl: `https://${host}/services/oauth2/token`,
    scopes: SALESFORCE_SCOPES,
    // Salesforce accepts both; the body form avoids RFC 6749 §2.3.1's form-encoding of Basic
    // credentials, which some servers do not undo (see shared NOTES).
    tokenAuthMethod: 'client_secret_post',
  };
}
