import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILURES_PER_ACCOUNT_AND_IP } from '../../apps/core/auth/sign-in-limiter.ts';
import { apiKeyLoginKey, partnerLoginKey } from '../../apps/core/auth/sign-request.ts';
import { createApiKey } from '../helpers/api-keys.ts';
import { ADMIN, startConnector, type TestConnector } from '../helpers/connector.ts';
import { api, type HttpRequest, requestJson } from '../helpers/http.ts';
import { rememberSecret } from '../helpers/log-sink.ts';
import { signInNewMember } from '../helpers/members.ts';

// The sign-in limit holds under parallel guesses (apps/core/auth/sign-in-limiter.ts): 60 guesses
// for one account sent at once from one address (loopback), split over two API processes that
// share one Redis and one database, get at most FAILURES_PER_ACCOUNT_AND_IP answers that say the
// credential was wrong; every other one is 429 with Retry-After and was never checked. "Checked"
// is observed twice: the answers, and the audit rows each refusal writes (the wrong-credential
// reason for a checked guess, RATE_LIMITED for one refused before the check).

const GUESSES = 60;
const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;

interface Answer {
  status: number;
  code: unknown;
  retryAfter: string | null;
}

describe('the sign-in limit under 60 parallel guesses over two API processes', () => {
  let first: TestConnector;
  let second: TestConnector;
  let adminToken: string;

  beforeAll(async () => {
    first = await startConnector({ workers: false });
    second = await startConnector({ workers: false, shareWith: first });
    rememberSecret(ADMIN.password);
    adminToken = await first.adminToken();
    rememberSecret(adminToken);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  /**
   * Sends every request at once (all started before any answer is awaited), alternating between
   * the two processes, and returns each answer's status, problem code and Retry-After.
   */
  async function burst(path: string, init: (i: number) => Sent | Promise<Sent>): Promise<Answer[]> {
    // Every request is built first (login keys are signed asynchronously), then all are sent.
    const inits = await Promise.all(Array.from({ length: GUESSES }, (_, i) => init(i)));
    const sent = inits.map((each, i) => send(i % 2 ? second : first, path, each));
    return Promise.all(
      sent.map(async (pending) => {
        const res = await pending;
        return { status: res.status, code: res.body?.code, retryAfter: res.headers.get('retry-after') };
      }),
    );
  }

  type Sent = HttpRequest & { method: string };
  const send = (via: TestConnector, path: string, each: Sent) =>
    requestJson(each.method, `${via.baseUrl}${path}`, each);
  const post = (body: unknown): Sent => ({ method: 'POST', body });

  /**
   * Sorts the answers: `checked` said the credential was wrong (`checkedStatus`/`checkedCode`),
   * `limited` are 429 with Retry-After. No other answer may say anything about the credential.
   *
   * On a quiet machine the split is exactly 5 and 55. Both "processes" share this test's event
   * loop, and on a saturated machine a burst can wait more than a second for one of PostgreSQL's 10
   * pooled connections; that request answers 503 DEPENDENCY_UNAVAILABLE (apps/core/db/client.ts),
   * which is not a check either, so it is counted apart and the bound stays "at most 5".
   */
  function expectLimited(answers: Answer[], checkedStatus: number, checkedCode: string) {
    const checked = answers.filter((a) => a.status === checkedStatus);
    const limited = answers.filter((a) => a.status === 429);
    const unavailable = answers.filter((a) => a.status === 503);
    expect(checked.length + limited.length + unavailable.length).toBe(GUESSES);
    for (const a of checked) expect(a.code).toBe(checkedCode);
    for (const a of unavailable) expect(a.code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(checked.length).toBeLessThanOrEqual(FAILURES_PER_ACCOUNT_AND_IP);
    if (unavailable.length === 0) expect(checked).toHaveLength(FAILURES_PER_ACCOUNT_AND_IP);
    for (const a of limited) {
      expect(a.code).toBe('RATE_LIMITED');
      // RFC 9110 §10.2.3: delay-seconds; the account's window is 15 minutes.
      expect(Number(a.retryAfter)).toBeGreaterThan(0);
      expect(Number(a.retryAfter)).toBeLessThanOrEqual(15 * 60);
    }
    return { checked: checked.length, limited: limited.length };
  }

  /** Refusal audit rows of `action` whose details mention `mark`, counted by reason. */
  async function refusalsByReason(where: { action: string; details?: string; actorId?: string }) {
    const rows = await first.deps.db.auditLog.findMany({
      where: {
        action: where.action,
        outcome: 'refused',
        ...(where.details ? { details: { contains: where.details } } : {}),
        ...(where.actorId ? { actorId: where.actorId } : {}),
      },
      select: { reason: true },
    });
    const counts: Record<string, number> = {};
    for (const { reason } of rows) counts[String(reason)] = (counts[String(reason)] ?? 0) + 1;
    return counts;
  }

  it('checks at most 5 wrong passwords for one account; the rest answer 429 unchecked', async () => {
    const member = await signInNewMember(first, 'viewer', { adminToken });
    const answers = await burst('/v1/auth/token', (i) =>
      post({ username: member.username, password: `wrong password ${i}`, group: member.group }),
    );
    const tally = expectLimited(answers, 401, 'INVALID_CREDENTIALS');
    // One audit row per answer: each checked guess wrote its reason, each refused one RATE_LIMITED.
    expect(await refusalsByReason({ action: 'auth.token.issue', details: `"${member.username}"` })).toEqual({
      INVALID_CREDENTIALS: tally.checked,
      RATE_LIMITED: tally.limited,
    });
    // Locked: even the right password is not checked until the window passes.
    const locked = await send(
      second,
      '/v1/auth/token',
      post({ username: member.username, password: member.password, group: member.group }),
    );
    expect(locked.status).toBe(429);
  });

  it('still signs in with the right password after successes, and a success clears the count', async () => {
    const member = await signInNewMember(first, 'viewer', { adminToken });
    const signIn = (password: string, via: TestConnector) =>
      send(via, '/v1/auth/token', post({ username: member.username, password, group: member.group }));
    // Successes, one after another, never use the account up.
    for (let i = 0; i < 2 * FAILURES_PER_ACCOUNT_AND_IP; i++) {
      expect((await signIn(member.password, i % 2 ? second : first)).status).toBe(200);
    }
    for (let i = 0; i < FAILURES_PER_ACCOUNT_AND_IP - 1; i++) expect((await signIn('wrong', first)).status).toBe(401);
    expect((await signIn(member.password, second)).status).toBe(200);
    // The count starts again from zero: a full burst again gets exactly the limit checked.
    const answers = await burst('/v1/auth/token', () =>
      post({ username: member.username, password: 'wrong again', group: member.group }),
    );
    expectLimited(answers, 401, 'INVALID_CREDENTIALS');
  });

  it('checks at most 5 wrong current passwords on a password change; the rest answer 429', async () => {
    const member = await signInNewMember(first, 'viewer', { adminToken });
    const me = await api(first, 'GET', '/auth/me', member.token);
    const userId = (me.body as { user: { id: string } }).user.id;
    const user = await first.deps.db.user.findUniqueOrThrow({ where: { id: userId } });
    const answers = await burst('/v1/auth/password', (i) => ({
      method: 'PUT',
      token: member.token,
      body: { currentPassword: `not it ${i}`, newPassword: 'a brand new password' },
    }));
    const tally = expectLimited(answers, 400, 'VALIDATION_FAILED');
    expect(await refusalsByReason({ action: 'auth.password.change', actorId: user.id })).toEqual({
      INVALID_CREDENTIALS: tally.checked,
      RATE_LIMITED: tally.limited,
    });
    // Nothing was changed (the address is now locked for this account, so look at the stored hash).
    const after = await first.deps.db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.passwordHash).toBe(user.passwordHash);
  });

  it('checks at most 5 wrong login keys for one API key; the rest answer 429', async () => {
    const key = await createApiKey(first, adminToken, { privileges: ['exports:read'] });
    const answers = await burst('/v1/auth/token', async (i) => {
      // Each guess is a different login key: signed with a different wrong secret.
      const loginKey = await apiKeyLoginKey(key.id, `sk_guess_${i}_${randomBytes(4).toString('hex')}`, inSeconds(60));
      return post({ keyId: key.id, loginKey });
    });
    const tally = expectLimited(answers, 401, 'LOGIN_KEY_INVALID');
    expect(await refusalsByReason({ action: 'auth.token.issue', details: key.id })).toEqual({
      LOGIN_KEY_INVALID: tally.checked,
      RATE_LIMITED: tally.limited,
    });
  });

  it('checks at most 5 wrong login keys for one partner user; the rest answer 429', async () => {
    const created = await api(first, 'POST', '/partners', adminToken, { name: 'Guessed Co' });
    expect(created.status).toBe(201);
    const partner = created.body as { id: string; secret: string };
    rememberSecret(partner.secret);
    const partnerUserId = 'mallory-target';
    const answers = await burst('/v1/auth/token', async (i) => {
      const loginKey = await partnerLoginKey(partner.id, partnerUserId, `psk_guess_${i}`, inSeconds(60));
      return post({ partnerId: partner.id, partnerUserId, loginKey });
    });
    const tally = expectLimited(answers, 401, 'LOGIN_KEY_INVALID');
    expect(await refusalsByReason({ action: 'auth.token.issue', details: partner.id })).toEqual({
      LOGIN_KEY_INVALID: tally.checked,
      RATE_LIMITED: tally.limited,
    });
  });
});
