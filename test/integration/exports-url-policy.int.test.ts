import { describe, expect } from 'vitest';
import { it } from '../helpers/fixtures.ts';
import { api } from '../helpers/http.ts';
import { rememberSecret } from '../helpers/log-sink.ts';

const OAUTH = {
  authorizationUrl: 'https://login.crm.example/services/oauth2/authorize',
  tokenUrl: 'https://login.crm.example/services/oauth2/token',
  clientId: 'connected-app-1',
  clientSecret: 'client-secret-value-0123456789',
};

it.override('connectorOptions', {
  workers: false,
  env: { ALLOW_PRIVATE_TARGETS: 'false', ALLOW_INSECURE_HTTP: 'false' },
});

describe('outbound URL policy with the production defaults', () => {
  it('refuses http and private, loopback and metadata targets, and accepts {instance_url}', async ({
    connector,
    adminToken: admin,
  }) => {
    rememberSecret(OAUTH.clientSecret);
    const refused: [string, string][] = [
      ['http://crm.example.com/hooks', 'must use https://'],
      ['https://127.0.0.1/hooks', 'private'],
      ['https://169.254.169.254/latest/meta-data', 'private'],
      ['https://[::1]/hooks', 'private'],
      ['https://10.1.2.3/hooks', 'private'],
      ['https://localhost/hooks', 'private'],
    ];
    for (const [webhookUrl, problem] of refused) {
      const answer = await api(connector, 'POST', '/exports', admin, { name: 'x', webhookUrl });
      expect([webhookUrl, answer.status]).toEqual([webhookUrl, 400]);
      expect(answer.body.errors).toEqual([{ field: 'webhookUrl', message: expect.stringContaining(problem) }]);
    }
    const templated = await api(connector, 'POST', '/exports', admin, {
      name: 'Salesforce',
      webhookUrl: '{instance_url}/services/apexrest/engagements',
    });
    expect(templated.status).toBe(201);
    rememberSecret(templated.body.signingSecret);

    const oauth = await api(connector, 'PUT', `/exports/${templated.body.id}/oauth`, admin, {
      ...OAUTH,
      authorizationUrl: 'http://login.crm.example/authorize',
      tokenUrl: 'https://192.168.1.10/token',
    });
    expect(oauth.status).toBe(400);
    expect(oauth.body.errors.map((e: { field: string }) => e.field)).toEqual(['authorizationUrl', 'tokenUrl']);
  });
});
