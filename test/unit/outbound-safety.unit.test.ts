import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../apps/core/crypto/secret-box.ts';
import { isPrivateAddress } from '../../apps/core/net/address-policy.ts';
import { checkOutboundUrl } from '../../apps/core/net/url-policy.ts';

const strict = { allowPrivateTargets: false, allowInsecureHttp: false };

describe('private address policy', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.100.100.200',
    '0.0.0.0',
    '::1',
    'fd00:ec2::254',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::10.0.0.1',
  ])('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '13.110.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('accepts public %s', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

describe('outbound URL check', () => {
  it('wants https, no credentials and a public host', async () => {
    expect(await checkOutboundUrl('http://8.8.8.8/hook', strict)).toBe('must use https://');
    expect(await checkOutboundUrl('https://user:pw@8.8.8.8/hook', strict)).toMatch(/user name or password/);
    expect(await checkOutboundUrl('https://127.0.0.1/hook', strict)).toMatch(/private/);
    expect(await checkOutboundUrl('https://[::1]/hook', strict)).toMatch(/private/);
    expect(await checkOutboundUrl('https://localhost/hook', strict)).toMatch(/private/);
    expect(await checkOutboundUrl('https://8.8.8.8/hook', strict)).toBeNull();
    expect(await checkOutboundUrl('not a url', strict)).toBe('must be an absolute URL');
  });

  it('lets tests and local development opt out, and accepts the Salesforce {instance_url} placeholder', async () => {
    const open = { allowPrivateTargets: true, allowInsecureHttp: true };
    expect(await checkOutboundUrl('http://127.0.0.1:4000/hook', open)).toBeNull();
    expect(
      await checkOutboundUrl('{instance_url}/services/apexrest/glia', strict, { allowPlaceholders: true }),
    ).toBeNull();
    expect(await checkOutboundUrl('{instance_url}/x', strict)).toBe('must be an absolute URL');
  });
});

describe('secrets at rest', () => {
  const key = Buffer.alloc(32, 1);
  it('round-trips, names its key, and refuses a ciphertext moved to another row', () => {
    const box = new SecretBox(key);
    const sealed = box.encrypt('client-secret-value', 'export:exp_1:client-secret');
    expect(sealed).not.toContain('client-secret-value');
    expect(sealed.split('.')[1]).toBe(box.currentKeyId);
    expect(box.decrypt(sealed, 'export:exp_1:client-secret')).toBe('client-secret-value');
    expect(() => box.decrypt(sealed, 'export:exp_2:client-secret')).toThrow(/integrity/);
  });

  it('still reads what an earlier key wrote after rotation', () => {
    const old = new SecretBox(key);
    const sealed = old.encrypt('refresh-token-value');
    const rotated = new SecretBox(Buffer.alloc(32, 2), [key]);
    expect(rotated.decrypt(sealed)).toBe('refresh-token-value');
    expect(rotated.encrypt('x').split('.')[1]).not.toBe(old.currentKeyId);
  });
});
