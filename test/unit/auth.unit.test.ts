import { describe, expect, it } from 'vitest';
import { parseCredential } from '../../apps/api/routes/auth/credential-kinds.ts';
import { csrfTokenFor, isCsrfTokenFor } from '../../apps/core/auth/tokens/csrf.ts';
import { tokenMinutes } from '../../apps/core/auth/tokens/issue.ts';
import { AppError } from '../../apps/core/errors.ts';
import { normalizeOrigin, normalizeOrigins } from '../../apps/core/groups/origins.ts';

const key = new TextEncoder().encode('a-unit-test-signing-key-0123456789abcdef');

function fieldsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError && error.status === 400) return (error.errors ?? []).map((e) => e.field);
    throw error;
  }
  throw new Error('expected a 400');
}

describe('normalizeOrigin', () => {
  it('serializes an origin the way browsers send it in the Origin header', () => {
    expect(normalizeOrigin('https://App.Example.COM', false)).toEqual({ origin: 'https://app.example.com' });
    expect(normalizeOrigin(' https://app.example.com:443/ ', false)).toEqual({ origin: 'https://app.example.com' });
    expect(normalizeOrigin('https://app.example.com:8443', false)).toEqual({ origin: 'https://app.example.com:8443' });
    expect(normalizeOrigin('https://bücher.example', false)).toEqual({ origin: 'https://xn--bcher-kva.example' });
  });

  it('allows plain http only for loopback, unless insecure http is allowed', () => {
    expect(normalizeOrigin('http://localhost:5173', false)).toEqual({ origin: 'http://localhost:5173' });
    expect(normalizeOrigin('http://127.0.0.1:8080', false)).toEqual({ origin: 'http://127.0.0.1:8080' });
    expect(normalizeOrigin('http://app.example.com', false)).toHaveProperty('problem');
    expect(normalizeOrigin('http://app.example.com', true)).toEqual({ origin: 'http://app.example.com' });
  });

  it('refuses anything that is not a bare origin', () => {
    for (const value of [
      '*',
      'https://*.example.com',
      'https://app.example.com/console',
      'https://app.example.com/?x=1',
      'https://app.example.com/#top',
      'https://user:pw@app.example.com',
      'app.example.com',
      'null',
      'javascript:alert(1)',
      'ftp://files.example.com',
    ]) {
      expect(normalizeOrigin(value, true), value).toHaveProperty('problem');
    }
  });

  it('deduplicates and sorts a list, and names each bad entry by index', () => {
    expect(normalizeOrigins(['https://b.example', 'https://B.example/', 'https://a.example'], false)).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(fieldsOf(() => normalizeOrigins(['https://a.example', 'nope', '*'], false))).toEqual([
      'origins.1',
      'origins.2',
    ]);
  });
});

describe('CSRF tokens', () => {
  it('are bound to one authorization token id', () => {
    const csrf = csrfTokenFor(key, 'tok_one');
    expect(csrf).toMatch(/^[0-9a-f]{64}$/);
    expect(isCsrfTokenFor(key, 'tok_one', csrf)).toBe(true);
    expect(isCsrfTokenFor(key, 'tok_two', csrf)).toBe(false);
    expect(isCsrfTokenFor(new TextEncoder().encode('another-key-of-enough-length-0123456789'), 'tok_one', csrf)).toBe(
      false,
    );
    expect(isCsrfTokenFor(key, 'tok_one', '')).toBe(false);
  });
});

describe('token lifetime', () => {
  it('defaults to 20 minutes and accepts whole minutes from 1 to 120', () => {
    expect(tokenMinutes(undefined)).toBe(20);
    expect(tokenMinutes(1)).toBe(1);
    expect(tokenMinutes(120)).toBe(120);
    for (const bad of [0, 121, -5, 2.5, Number.NaN]) expect(fieldsOf(() => tokenMinutes(bad))).toEqual(['duration']);
  });
});

describe('POST /v1/auth/token credential kinds', () => {
  it('parses a password credential', () => {
    const { kind, credential } = parseCredential({ username: ' admin ', password: 'pw', group: 'acme', duration: 5 });
    expect(kind.name).toBe('password');
    expect(credential).toEqual({ username: 'admin', password: 'pw', group: 'acme', duration: 5 });
  });

  it('checks a body that fits no kind as a password sign-in, naming missing and unknown fields', () => {
    expect(fieldsOf(() => parseCredential({}))).toEqual(['username', 'password']);
    expect(fieldsOf(() => parseCredential({ username: 'a', password: 'b', role: 'admin' }))).toEqual(['role']);
    expect(fieldsOf(() => parseCredential('username=a'))).toEqual(['body']);
    expect(fieldsOf(() => parseCredential(null))).toEqual(['body']);
  });
});
