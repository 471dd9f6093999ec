import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../apps/core/crypto/secret-box.ts';
import { embeddedIPv4, isPrivateAddress, parseIPv6 } from '../../apps/core/net/address-policy.ts';
import {
  checkLearnedEndpoints,
  checkOutboundUrl,
  issuerProblem,
  oauthEndpointProblem,
} from '../../apps/core/net/url-policy.ts';

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

  // The hex forms are what `new URL()` leaves in a hostname: `[64:ff9b::127.0.0.1]` becomes
  // `[64:ff9b::7f00:1]` (WHATWG URL §3.5 IPv6 serializer), so judging only the dotted form misses them.
  it.each([
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['0:0:0:0:0:ffff:7f00:1', 'IPv4-mapped, uncompressed'],
    ['::FFFF:A9FE:A9FE', 'IPv4-mapped metadata, upper case'],
    ['64:ff9b::7f00:1', 'NAT64 of 127.0.0.1'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of 169.254.169.254'],
    ['64:ff9b::10.0.0.1', 'NAT64, dotted tail'],
    ['64:ff9b:0:0:0:0:c0a8:101', 'NAT64 of 192.168.1.1, uncompressed'],
    ['::7f00:1', 'IPv4-compatible 127.0.0.1'],
    ['::127.0.0.1', 'IPv4-compatible, dotted'],
    ['::a9fe:a9fe', 'IPv4-compatible 169.254.169.254'],
    ['2002:7f00:1::', '6to4 of 127.0.0.1'],
    ['2002:a9fe:a9fe::1', '6to4 of 169.254.169.254'],
    ['2002:a00:1:1234::5', '6to4 of 10.0.0.1'],
    ['::ffff:0:7f00:1', 'IPv4-translated 127.0.0.1'],
    ['64:ff9b:1::8.8.8.8', 'local-use NAT64 prefix'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1%eth0', 'link-local with a zone'],
  ])('refuses %s (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    ['64:ff9b::808:808', 'NAT64 of 8.8.8.8'],
    ['::808:808', 'IPv4-compatible 8.8.8.8'],
    ['2002:808:808::1', '6to4 of 8.8.8.8'],
    ['::ffff:808:808', 'IPv4-mapped 8.8.8.8'],
  ])('judges %s (%s) by its public IPv4 address', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('parses IPv6 text into 16 bytes and finds the IPv4 address carried', () => {
    expect(Array.from(parseIPv6('1:2:3:4:5:6:7:8') ?? [])).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
    expect(Array.from(parseIPv6('[64:ff9b::127.0.0.1]') ?? [])).toEqual([
      0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 127, 0, 0, 1,
    ]);
    for (const bad of [
      '1::2::3',
      ':::',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '::1.2.3',
      '12345::',
      '1:2:3:4:5:6:7::8',
    ]) {
      expect([bad, parseIPv6(bad)]).toEqual([bad, null]);
    }
    expect(embeddedIPv4(parseIPv6('2002:c000:0201::')!)).toBe('192.0.2.1');
    expect(embeddedIPv4(parseIPv6('2606:4700::1111')!)).toBeNull();
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

  it('refuses private addresses in the hex form the URL parser turns them into', async () => {
    for (const url of [
      'https://[64:ff9b::127.0.0.1]/token',
      'https://[64:ff9b::7f00:1]/token',
      'https://[::ffff:127.0.0.1]/token',
      'https://[::127.0.0.1]/token',
      'https://[2002:7f00:1::]/token',
      'https://[2002:a9fe:a9fe::]/latest/meta-data',
      'https://localhost./hook',
    ]) {
      expect([url, await checkOutboundUrl(url, strict)]).toEqual([url, expect.stringMatching(/private/)]);
    }
  });

  it('refuses CR, LF, tab and other control characters the URL parser would drop silently', async () => {
    for (const url of [
      'https://8.8.8.8/ho\nok',
      'https://8.8.8.8/a\tb',
      'https://8.8.\r8.8/',
      '\nhttps://8.8.8.8/',
      'https://8.8.8.8/\u0000',
    ]) {
      expect(new URL(url.replace('\u0000', '')).href).toBeTruthy(); // the parser alone would accept it
      expect([url, await checkOutboundUrl(url, strict)]).toEqual([url, expect.stringContaining('control characters')]);
    }
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

describe('OAuth endpoint URLs are what they claim', () => {
  it('refuses a fragment in the authorization or token URL (RFC 6749 §3.1, §3.2)', () => {
    expect(oauthEndpointProblem('https://login.example/authorize#x', 'authorization')).toMatch(/fragment/);
    expect(oauthEndpointProblem('https://login.example/authorize#', 'authorization')).toMatch(/fragment/);
    expect(oauthEndpointProblem('https://login.example/token#frag', 'token')).toMatch(/fragment/);
    expect(oauthEndpointProblem('https://login.example/authorize', 'authorization')).toBeNull();
  });

  it('refuses an authorization URL carrying the parameters the connector adds, in any case', () => {
    for (const name of [
      'redirect_uri',
      'state',
      'client_id',
      'response_type',
      'code_challenge',
      'code_challenge_method',
      'scope',
      'Redirect_URI',
    ]) {
      expect([
        name,
        oauthEndpointProblem(`https://login.example/authorize?prompt=login&${name}=x`, 'authorization'),
      ]).toEqual([name, expect.stringContaining(name)]);
    }
    // Other parameters a provider documents (Salesforce's prompt, display) stay allowed; a token URL may have a query.
    expect(
      oauthEndpointProblem('https://login.example/authorize?prompt=login&display=popup', 'authorization'),
    ).toBeNull();
    expect(oauthEndpointProblem('https://login.example/token?state=x&api-version=2', 'token')).toBeNull();
  });

  it('wants an issuer without query, fragment or control characters (RFC 8414 §2)', () => {
    expect(issuerProblem('https://idp.example/tenant')).toBeNull();
    expect(issuerProblem('https://idp.example/?tenant=1')).toMatch(/query or fragment/);
    expect(issuerProblem('https://idp.example/#')).toMatch(/query or fragment/);
    expect(issuerProblem('https://idp.exa\nmple/')).toMatch(/control characters/);
  });

  it('judges the endpoints a discovery document names by the same policy', async () => {
    const refused = await checkLearnedEndpoints(
      {
        issuer: 'https://8.8.8.8',
        authorization_endpoint: 'https://8.8.8.8/authorize',
        token_endpoint: 'https://10.0.0.5/token',
        jwks_uri: 'https://[64:ff9b::a9fe:a9fe]/jwks',
        userinfo_endpoint: 'http://8.8.8.8/userinfo',
        end_session_endpoint: 'https://127.0.0.1/logout',
        service_documentation: 'https://127.0.0.1/docs',
        id_token_signing_alg_values_supported: ['RS256'],
      },
      strict,
    );
    expect(refused).toEqual([
      { name: 'token_endpoint', problem: expect.stringMatching(/private/) },
      { name: 'jwks_uri', problem: expect.stringMatching(/private/) },
      { name: 'userinfo_endpoint', problem: 'must use https://' },
      { name: 'end_session_endpoint', problem: expect.stringMatching(/private/) },
    ]);
    expect(
      await checkLearnedEndpoints(
        { token_endpoint: 'http://127.0.0.1:9/token' },
        {
          allowPrivateTargets: true,
          allowInsecureHttp: true,
        },
      ),
    ).toEqual([]);
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
