import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { webhookBody } from '../../apps/core/webhooks/payload.ts';
import { webhookHeaders } from '../../apps/core/webhooks/send.ts';
import { resolveTarget } from '../../apps/core/webhooks/target.ts';

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

describe('the webhook a CRM receives', () => {
  it('is signed so that the standardwebhooks package verifies it, with the current and the previous secret', () => {
    const current = newSecret();
    const previous = newSecret();
    const body = webhookBody('{"id":"E-1","n":12345678901234567890}', new Date('2025-01-01T00:00:00Z'));
    const headers = webhookHeaders({
      url: new URL('https://crm.example.com/hook'),
      body,
      webhookId: 'dlv_1',
      accessToken: 'at-123',
      secrets: [current, previous],
      now: new Date(),
    });
    expect(headers.authorization).toBe('Bearer at-123');
    expect(headers['webhook-id']).toBe('dlv_1');
    expect(headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    // A receiver that still holds the previous secret accepts it as well as one with the new one.
    expect(new Webhook(current).verify(body, headers)).toMatchObject({ type: 'engagement.completed' });
    expect(new Webhook(previous).verify(body, headers)).toMatchObject({ data: { id: 'E-1' } });
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow();
    // The engagement arrives byte for byte (a big number is not rounded by a parse and re-encode).
    expect(body).toContain('"n":12345678901234567890');
  });

  it('fills {instance_url} from the connection and refuses private IP literals unless allowed', () => {
    const strict = { allowPrivateTargets: false, allowInsecureHttp: false };
    const filled = resolveTarget(
      '{instance_url}/services/apexrest/hook',
      { instance_url: 'https://acme.my.salesforce.com/' },
      strict,
    );
    expect('url' in filled && filled.url.href).toBe('https://acme.my.salesforce.com/services/apexrest/hook');
    expect(resolveTarget('{instance_url}/hook', {}, strict)).toEqual({
      problem: expect.stringMatching(/instance_url/),
    });
    expect(resolveTarget('https://169.254.169.254/latest', {}, strict)).toEqual({
      problem: expect.stringMatching(/private/),
    });
    expect(resolveTarget('https://[::1]/hook', {}, strict)).toEqual({ problem: expect.stringMatching(/private/) });
    expect(resolveTarget('http://crm.example.com/hook', {}, strict)).toEqual({
      problem: expect.stringMatching(/https/),
    });
    expect(
      'url' in resolveTarget('http://127.0.0.1:9/hook', {}, { allowPrivateTargets: true, allowInsecureHttp: true }),
    ).toBe(true);
  });
});
