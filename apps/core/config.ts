import proxyAddr from 'proxy-addr';
import { z } from 'zod';

/** Thrown when the environment cannot start the connector; the message names every bad variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

// Environment booleans: "true/1/yes/on" and "false/0/no/off"; anything else is an error, not false.
const envBoolean = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']))
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

/**
 * A window as the retention and notification settings take it: a whole number and a unit, `s`,
 * `m`, `h` or `d` (`90s`, `12h`, `30d`), as milliseconds. No library reads exactly this small
 * grammar without also taking what the contract does not allow (`ms`'s "1.5 weeks").
 */
export const envDuration = z
  .string()
  .trim()
  .regex(/^\d+(s|m|h|d)$/, 'must be a whole number followed by s, m, h or d (e.g. 90s, 12h, 30d)')
  .transform(
    (v) =>
      Number(v.slice(0, -1)) *
      { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[v.slice(-1) as 's' | 'm' | 'h' | 'd'],
  )
  .refine((ms) => ms > 0, 'must be longer than 0');

const base64Key = z
  .string()
  .trim()
  .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes encoded in base64');

/**
 * Express's `trust proxy` (expressjs.com/en/guide/behind-proxies.html): `true`/`false`, a number of
 * hops, or comma-separated addresses, subnets and the names `loopback`, `linklocal`,
 * `uniquelocal`, as proxy-addr compiles them (it refuses anything else, and so does this check).
 * Which client address a request has decides the sign-in limiter's bucket and the audit rows'
 * `ip`: behind a load balancer that is not on loopback, leaving the default makes every client
 * share the balancer's address.
 */
const trustProxy = z
  .string()
  .trim()
  .transform((value, ctx): boolean | number | string[] => {
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === 'false') return lower === 'true';
    if (/^\d+$/.test(value)) return Number(value);
    const list = value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    try {
      if (!list.length) throw new TypeError('no address given');
      proxyAddr.compile(list);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `must be true, false, a number of hops, or comma-separated addresses, subnets or loopback/linklocal/uniquelocal (${(error as Error).message})`,
      });
      return z.NEVER;
    }
    return list;
  });

/**
 * Deliveries a worker process keeps in flight. Each one waits for two group commits (its claim and
 * its outcome) besides its push, so at 50 the slots, not the CPU, capped a process: in alternating
 * end-to-end runs on PostgreSQL the machine sat 15–30 % idle. A delivery in flight holds its engagement (at most 1 MiB) about three
 * times over (row, webhook body, socket write): 100 of the largest stay well inside the heap.
 */
export const DEFAULT_WORKER_CONCURRENCY = 100;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATA_DIR: z.string().min(1).default('./.data'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z
    .string()
    .refine((v) => /^(file:|postgres(ql)?:\/\/)/.test(v), 'must start with file: or postgresql://')
    .optional(),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\//.test(v), 'must start with redis:// or rediss://')
    .optional(),
  ENCRYPTION_KEY: base64Key.optional(),
  // Earlier encryption keys, comma-separated: still read (rows written before a rotation), never written.
  ENCRYPTION_KEYS_PREVIOUS: z
    .string()
    .refine(
      (v) => v.split(',').every((k) => Buffer.from(k.trim(), 'base64').length === 32),
      'must be comma-separated 32-byte base64 keys',
    )
    .optional(),
  TOKEN_SIGNING_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ALLOW_PRIVATE_TARGETS: envBoolean.default(false),
  ALLOW_INSECURE_HTTP: envBoolean.default(false),
  BOOTSTRAP_GROUP: z.string().trim().min(1).max(100).optional(),
  BOOTSTRAP_ADMIN_USERNAME: z.string().trim().min(1).max(100).optional(),
  BOOTSTRAP_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(DEFAULT_WORKER_CONCURRENCY),
  OAUTH_HTTP_TIMEOUT_SECONDS: z.coerce.number().min(1).max(120).default(15),
  OUTBOUND_PROXY_URL: z.url().optional(),
  TRUST_PROXY: trustProxy.default(['loopback']),
  // When set, /metrics wants `Authorization: Bearer <it>` (docs/operations.md).
  METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  // When set, the queues dashboard (bull-board) is served at /operator/queues behind it (docs/operations.md).
  OPERATOR_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  // Retention (docs/operations.md, "Retention"): how long finished deliveries, their attempts and
  // the audit log are kept, and how often the sweep runs.
  RETENTION_DELIVERED: envDuration.default(30 * 86_400_000),
  RETENTION_FAILED: envDuration.default(90 * 86_400_000),
  RETENTION_AUDIT: envDuration.default(365 * 86_400_000),
  RETENTION_SWEEP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3600),
  // Notifications (docs/notifications.md): when an export without a success is announced as
  // failing, and when it is disabled; mail goes through SMTP_URL when it is set.
  EXPORT_FAILING_AFTER: envDuration.default(3_600_000),
  EXPORT_DISABLE_AFTER: envDuration.default(5 * 86_400_000),
  SMTP_URL: z
    .string()
    .refine((v) => /^smtps?:\/\//.test(v), 'must start with smtp:// or smtps://')
    .optional(),
  // The From address of notification mail.
  SMTP_FROM: z.string().trim().min(3).default('connector@localhost'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Omit<Env, 'PUBLIC_URL'> {
  PUBLIC_URL: string;
  /** `PUBLIC_URL + /oauth/callback`: never derived from a request's Host header. */
  redirectUri: string;
  databaseProvider: 'sqlite' | 'postgresql';
  /** Secure cookies only when the public URL is https. */
  secureCookies: boolean;
}

/** A value as an error may show it: a URL's password (DATABASE_URL, REDIS_URL) masked. */
function withoutPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#:@]*:)[^/?#@]*@/i, '$1***@');
}

/** Parses and checks the environment once; throws one ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const value = cleaned[name];
      const shown =
        value === undefined || /KEY|PASSWORD|SECRET|TOKEN/.test(name) ? '' : ` (got "${withoutPassword(value)}")`;
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.NODE_ENV === 'production') {
    if (!e.ENCRYPTION_KEY) problems.push('ENCRYPTION_KEY: required when NODE_ENV=production');
    if (!e.TOKEN_SIGNING_KEY) problems.push('TOKEN_SIGNING_KEY: required when NODE_ENV=production');
  }
  const bootstrap = [e.BOOTSTRAP_GROUP, e.BOOTSTRAP_ADMIN_USERNAME, e.BOOTSTRAP_ADMIN_PASSWORD];
  if (bootstrap.some(Boolean) && !bootstrap.every(Boolean)) {
    problems.push('BOOTSTRAP_GROUP, BOOTSTRAP_ADMIN_USERNAME, BOOTSTRAP_ADMIN_PASSWORD: set all three or none');
  }
  if (problems.length) throw new ConfigError(problems);

  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    ...e,
    PUBLIC_URL: publicUrl,
    redirectUri: `${publicUrl}/oauth/callback`,
    databaseProvider: e.DATABASE_URL?.startsWith('postgres') ? 'postgresql' : 'sqlite',
    secureCookies: publicUrl.startsWith('https://'),
  };
}
