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
