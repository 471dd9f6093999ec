import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkLoginKey, LOGIN_KEY_MAX_LIFETIME_SECONDS } from '../../apps/core/auth/login-keys.ts';
import {
  apiKeyLoginKey,
  loginKeyMessage,
  partnerLoginKey,
  signRequest,
  stringToSign,
} from '../../apps/core/auth/sign-request.ts';
import {
  expectedSignature,
  parseSignatureHeader,
  signatureMatches,
  timestampInWindow,
} from '../../apps/core/auth/api-keys/signature.ts';

const KEY_ID = 'apk_AAAAAAAAAAAAAAAAAAAAAA';
const SECRET = 'sk_test-secret-0123456789';
const NONCE = 'n0nce-0123456789abcdef';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The contract's definition, written out independently of the code under test. */
function contractSignature(secret: string, method: string, target: string, ts: number, nonce: string, body: string) {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', secret).update(`${method}\n${target}\n${ts}\n${nonce}\n${bodyHash}`).digest('hex');
}

function headerParts(header: string): Record<string, string> {
  expect(header.startsWith('Signature ')).toBe(true);
  return Object.fromEntries(
    header
      .slice('Signature '.length)
      .split(',')
      .map((p) => p.split('=') as [string, string]),
  );
}

describe('the signed string (docs/api/keys-partners-sso.md: METHOD\\nPATH?QUERY\\nts\\nnonce\\nhex SHA-256 of the body)', () => {
  it('joins the five parts with newlines, method upper-cased', () => {
    expect(
      stringToSign({ method: 'post', target: '/v1/x?a=1', timestamp: 1700000000, nonce: NONCE, bodySha256: 'ab' }),
    ).toBe(`POST\n/v1/x?a=1\n1700000000\n${NONCE}\nab`);
  });

  it('the users’ helper signs exactly as docs/api/keys-partners-sso.md spells it, query and body included', async () => {
    const body = '{"id":"eng-1","note":"héllo"}';
    const header = await signRequest({
      keyId: KEY_ID,
      secret: SECRET,
      method: 'POST',
      url: 'http://connector.example/v1/engagements?dryRun=1&b=2',
      body,
      timestamp: 1700000000,
      nonce: NONCE,
    });
    const parts = headerParts(header);
    expect(parts).toEqual({
      keyId: KEY_ID,
      ts: '1700000000',
      nonce: NONCE,
      sig: contractSignature(SECRET, 'POST', '/v1/engagements?dryRun=1&b=2', 1700000000, NONCE, body),
    });
  });

  it('signs a request without body over the SHA-256 of the empty string, and the path without "?"', async () => {
    const header = await signRequest({
      keyId: KEY_ID,
      secret: SECRET,
      method: 'GET',
      url: '/v1/exports',
      timestamp: 1700000000,
      nonce: NONCE,
    });
    const expected = createHmac('sha256', SECRET)
      .update(`GET\n/v1/exports\n1700000000\n${NONCE}\n${EMPTY_SHA256}`)
      .digest('hex');
    expect(headerParts(header).sig).toBe(expected);
  });

  it('the server computes the same signature as the helper', async () => {
    const body = Buffer.from('{"a":1}');
    const header = await signRequest({
      keyId: KEY_ID,
      secret: SECRET,
      method: 'PATCH',
      url: '/v1/exports/exp_1?x=%20y',
      body: new Uint8Array(body),
      timestamp: 1700000123,
      nonce: NONCE,
    });
    const server = expectedSignature(SECRET, {
      method: 'PATCH',
      target: '/v1/exports/exp_1?x=%20y',
      timestamp: 1700000123,
      nonce: NONCE,
      body,
    });
    expect(headerParts(header).sig).toBe(server);
    expect(signatureMatches(server, headerParts(header).sig!.toUpperCase())).toBe(true);
    expect(signatureMatches(server, server.replace(/.$/, server.endsWith('0') ? '1' : '0'))).toBe(false);
  });

  it('a different body, path, method, nonce or time gives another signature', () => {
    const base = { method: 'POST', target: '/v1/a', timestamp: 1, nonce: NONCE, body: Buffer.from('x') };
    const sig = expectedSignature(SECRET, base);
    for (const change of [
      { body: Buffer.from('y') },
      { target: '/v1/a?x=1' },
      { method: 'PUT' },
      { nonce: `${NONCE}x` },
      { timestamp: 2 },
    ]) {
      expect(expectedSignature(SECRET, { ...base, ...change })).not.toBe(sig);
    }
    expect(expectedSignature(`${SECRET}x`, base)).not.toBe(sig);
  });
});

describe('parsing the Signature header', () => {
  const sig = 'a'.repeat(64);
  it('reads the four parts in any order', () => {
    expect(parseSignatureHeader(`sig=${sig},nonce=${NONCE},ts=1700000000,keyId=${KEY_ID}`)).toEqual({
      keyId: KEY_ID,
      timestamp: 1700000000,
      nonce: NONCE,
      sig,
    });
  });

  it.each([
    ['a part missing', `keyId=${KEY_ID},ts=1,nonce=${NONCE}`],
    ['a part twice', `keyId=${KEY_ID},ts=1,ts=2,nonce=${NONCE},sig=${sig}`],
    ['an unknown part', `keyId=${KEY_ID},ts=1,nonce=${NONCE},sig=${sig},x=1`],
    ['a short nonce', `keyId=${KEY_ID},ts=1,nonce=short,sig=${sig}`],
    ['a nonce with a comma-free but illegal character', `keyId=${KEY_ID},ts=1,nonce=${NONCE}/,sig=${sig}`],
    ['a non-numeric ts', `keyId=${KEY_ID},ts=1.5,nonce=${NONCE},sig=${sig}`],
    ['a short sig', `keyId=${KEY_ID},ts=1,nonce=${NONCE},sig=abc`],
    ['a key id that is not one', `keyId=key1,ts=1,nonce=${NONCE},sig=${sig}`],
    ['garbage', 'hello'],
  ])('refuses %s', (_what, header) => {
    expect(parseSignatureHeader(header)).toBeNull();
  });
});

describe('the 5-minute window', () => {
  const now = new Date(1_700_000_000_000);
  it('accepts the edges, ±300 s, and refuses one second beyond', () => {
    expect(timestampInWindow(1_700_000_000 - 300, now)).toBe(true);
    expect(timestampInWindow(1_700_000_000 + 300, now)).toBe(true);
    expect(timestampInWindow(1_700_000_000 - 301, now)).toBe(false);
    expect(timestampInWindow(1_700_000_000 + 301, now)).toBe(false);
  });

  it('counts whole seconds, so a signature made in the current second is never early', () => {
    expect(timestampInWindow(1_700_000_000 + 300, new Date(1_700_000_000_999))).toBe(true);
  });
});

describe('login keys (HMAC of the subject and an expiry, signed with the secret)', () => {
  const now = new Date(1_700_000_000_000);
  const expiresAt = 1_700_000_000 + 120;

  it('the helper makes `<expiresAt>.<hex HMAC>` over "login\\n<keyId>\\n<expiresAt>"', async () => {
    const key = await apiKeyLoginKey(KEY_ID, SECRET, expiresAt);
    const hmac = createHmac('sha256', SECRET).update(`login\n${KEY_ID}\n${expiresAt}`).digest('hex');
    expect(key).toBe(`${expiresAt}.${hmac}`);
    expect(loginKeyMessage(['p', 'u'], 5)).toBe('login\np\nu\n5');
  });

  it('accepts a valid key and returns its expiry', async () => {
    const key = await apiKeyLoginKey(KEY_ID, SECRET, expiresAt);
    expect(checkLoginKey(SECRET, [KEY_ID], key, now)).toEqual({ expiresAt });
  });

  it('refuses each way a key can be wrong, with its reason', async () => {
    const check = (key: string, subject = [KEY_ID]) => checkLoginKey(SECRET, subject, key, now);
    expect(check('not-a-key')).toEqual({ refusal: 'LOGIN_KEY_MALFORMED' });
    expect(check(await apiKeyLoginKey(KEY_ID, SECRET, 1_700_000_000))).toEqual({ refusal: 'LOGIN_KEY_EXPIRED' });
    const far = 1_700_000_000 + LOGIN_KEY_MAX_LIFETIME_SECONDS + 1;
    expect(check(await apiKeyLoginKey(KEY_ID, SECRET, far))).toEqual({ refusal: 'LOGIN_KEY_TOO_LONG_LIVED' });
    expect(check(await apiKeyLoginKey(KEY_ID, 'sk_other', expiresAt))).toEqual({ refusal: 'LOGIN_KEY_INVALID' });
    expect(check(await apiKeyLoginKey(KEY_ID, SECRET, expiresAt), ['apk_other'])).toEqual({
      refusal: 'LOGIN_KEY_INVALID',
    });
    // The expiry is signed: moving it invalidates the key.
    const [, hmac] = (await apiKeyLoginKey(KEY_ID, SECRET, expiresAt)).split('.');
    expect(check(`${expiresAt + 60}.${hmac}`)).toEqual({ refusal: 'LOGIN_KEY_INVALID' });
  });

  it('a partner login key names the partner and its user', async () => {
    const key = await partnerLoginKey('ptn_1', 'alice', 'psk_s', expiresAt);
    expect(checkLoginKey('psk_s', ['ptn_1', 'alice'], key, now)).toEqual({ expiresAt });
    expect(checkLoginKey('psk_s', ['ptn_1', 'bob'], key, now)).toEqual({ refusal: 'LOGIN_KEY_INVALID' });
  });
});
