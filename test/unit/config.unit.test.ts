import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../apps/core/config.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('runs on the embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.DATA_DIR).toBe('./.data');
    expect(config.PUBLIC_URL).toBe('http://localhost:3000');
    expect(config.redirectUri).toBe('http://localhost:3000/oauth/callback');
    expect(config.databaseProvider).toBe('sqlite');
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.ALLOW_PRIVATE_TARGETS).toBe(false);
    expect(config.ALLOW_INSECURE_HTTP).toBe(false);
    expect(config.secureCookies).toBe(false);
  });

  it('derives the redirect URI and cookie security from PUBLIC_URL, and PostgreSQL from DATABASE_URL', () => {
    const config = loadConfig({
      PUBLIC_URL: 'https://connector.example.com/',
      DATABASE_URL: 'postgresql://u:p@db:5432/connector',
      ALLOW_PRIVATE_TARGETS: 'TRUE',
      PORT: '8080',
    });
    expect(config.redirectUri).toBe('https://connector.example.com/oauth/callback');
    expect(config.secureCookies).toBe(true);
    expect(config.databaseProvider).toBe('postgresql');
    expect(config.ALLOW_PRIVATE_TARGETS).toBe(true);
    expect(config.PORT).toBe(8080);
  });

  it('names every bad variable in one error, without echoing secrets', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      REDIS_URL: 'localhost:6379',
      ALLOW_INSECURE_HTTP: 'maybe',
      ENCRYPTION_KEY: 'too-short-secret-value',
      LOG_LEVEL: 'loud',
    });
    const names = problems.map((p) => p.split(':')[0]);
    expect(names.sort()).toEqual(
      ['ALLOW_INSECURE_HTTP', 'DATABASE_URL', 'ENCRYPTION_KEY', 'LOG_LEVEL', 'PORT', 'REDIS_URL'].sort(),
    );
    expect(problems.join('\n')).toContain('"eighty"');
    expect(problems.join('\n')).not.toContain('too-short-secret-value');
  });

  it('refuses production without ENCRYPTION_KEY and TOKEN_SIGNING_KEY', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual([
      'ENCRYPTION_KEY: required when NODE_ENV=production',
      'TOKEN_SIGNING_KEY: required when NODE_ENV=production',
    ]);
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(() =>
      loadConfig({ NODE_ENV: 'production', ENCRYPTION_KEY: key, TOKEN_SIGNING_KEY: 'x'.repeat(40) }),
    ).not.toThrow();
  });

  it('wants the three bootstrap variables together', () => {
    expect(problemsOf({ BOOTSTRAP_GROUP: 'acme' })[0]).toMatch(/set all three or none/);
  });
});

describe('TRUST_PROXY and METRICS_TOKEN', () => {
  it('defaults TRUST_PROXY to loopback, as Express compiles it', () => {
    expect(loadConfig({}).TRUST_PROXY).toEqual(['loopback']);
  });

  it("takes what Express's trust proxy takes: a boolean, a number of hops, or a list", () => {
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'TRUE' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,uniquelocal , 2001:db8::1' }).TRUST_PROXY).toEqual([
      'loopback',
      '10.0.0.0/8',
      'uniquelocal',
      '2001:db8::1',
    ]);
  });

  it('names TRUST_PROXY when an entry is no address, subnet or known name', () => {
    for (const bad of ['load-balancer', '10.0.0.0/33', '300.1.1.1', ' , ']) {
      const problems = problemsOf({ TRUST_PROXY: bad });
      expect(problems, bad).toHaveLength(1);
      expect(problems[0]).toMatch(/^TRUST_PROXY: must be true, false, a number of hops/);
    }
  });

  it('wants METRICS_TOKEN long enough and never echoes it', () => {
    expect(loadConfig({}).METRICS_TOKEN).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'm'.repeat(32) }).METRICS_TOKEN).toBe('m'.repeat(32));
    const problems = problemsOf({ METRICS_TOKEN: 'short-tok' });
    expect(problems).toEqual(['METRICS_TOKEN: must be at least 16 characters']);
  });

  it('masks the password of a bad URL it names', () => {
    const problems = problemsOf({ DATABASE_URL: 'mysql://connector:hunter2-secret@db:3306/x' });
    expect(problems[0]).toMatch(/^DATABASE_URL:/);
    expect(problems[0]).toContain('mysql://connector:***@db:3306/x');
    expect(problems.join('\n')).not.toContain('hunter2-secret');
  });
});
