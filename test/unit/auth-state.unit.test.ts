import { describe, expect, it } from 'vitest';
import { AuthTokenVerifier, issueAuthToken } from '../../apps/core/auth/tokens/tokens.ts';

// The verified-token cache (apps/core/auth/tokens/tokens.ts) belongs to the composition root and
// reads its clock: a test moves the clock instead of sleeping past a token's expiry.
describe('AuthTokenVerifier', () => {
  const key = new Uint8Array(32).fill(7);
  const subject = { userId: 'usr_test', groupId: 'grp_test', privileges: ['exports:read' as const] };

  it('serves a verified token from its cache only until the token expires on the injected clock', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const clock = { now: () => new Date(now) };
    const verifier = new AuthTokenVerifier(key, clock);
    const { token, claims } = await issueAuthToken(key, subject, 1, clock.now());
    expect(await verifier.verify(token, clock.now())).toEqual(claims);
    // The same object again: a cache hit, not a second verification.
    expect(await verifier.verify(token, clock.now())).toBe(await verifier.verify(token, clock.now()));
    now += 60_000 + 5_000; // past the expiry and its 5 s tolerance
    await expect(verifier.verify(token, clock.now())).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    verifier.close();
  });

  it('refuses a token signed with another key, and does not remember the refusal', async () => {
    const clock = { now: () => new Date() };
    const verifier = new AuthTokenVerifier(key, clock);
    const { token } = await issueAuthToken(new Uint8Array(32).fill(8), subject, 5, clock.now());
    await expect(verifier.verify(token, clock.now())).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await expect(verifier.verify(token, clock.now())).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });
});
