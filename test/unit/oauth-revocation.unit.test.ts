import { describe, expect, it } from 'vitest';
import { sameClient } from '../../apps/core/oauth/client.ts';
import { salesforceRevocationUrl } from '../../apps/core/oauth/salesforce.ts';

describe("the Salesforce preset's revocation URL", () => {
  it('is the revoke endpoint beside a Salesforce token endpoint, on the same host and path prefix', () => {
    expect(salesforceRevocationUrl('https://login.salesforce.com/services/oauth2/token')).toBe(
      'https://login.salesforce.com/services/oauth2/revoke',
    );
    expect(salesforceRevocationUrl('https://acme--uat.sandbox.my.salesforce.com/services/oauth2/token')).toBe(
      'https://acme--uat.sandbox.my.salesforce.com/services/oauth2/revoke',
    );
    // An Experience Cloud site serves OAuth under its own path; a query is not carried over.
    expect(salesforceRevocationUrl('https://acme.my.site.com/partners/services/oauth2/token?x=1')).toBe(
      'https://acme.my.site.com/partners/services/oauth2/revoke',
    );
  });

  it('is none for any other token URL', () => {
    expect(salesforceRevocationUrl('https://crm.example.com/oauth/token')).toBeNull();
    expect(salesforceRevocationUrl('https://login.salesforce.com/services/oauth2/authorize')).toBeNull();
    expect(salesforceRevocationUrl('not a url')).toBeNull();
  });
});

describe('what makes a new OAuth client', () => {
  const client = {
    clientId: 'id',
    tokenUrl: 'https://crm.example.com/token',
    authorizationUrl: 'https://crm.example.com/authorize',
  };

  it('a client ID, token URL or authorization URL of its own; nothing else is compared', () => {
    expect(sameClient(client, { ...client, scopes: 'other', clientSecretEnc: 'x' } as typeof client)).toBe(true);
    expect(sameClient(client, { ...client, clientId: 'other' })).toBe(false);
    expect(sameClient(client, { ...client, tokenUrl: 'https://crm.example.com/token2' })).toBe(false);
    expect(sameClient(client, { ...client, authorizationUrl: 'https://other.example.com/authorize' })).toBe(false);
  });
});
