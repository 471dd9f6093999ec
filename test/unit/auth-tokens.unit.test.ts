import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { authTokenKey, issueAuthToken, tokenIdOf, verifyAuthToken } from '../../apps/core/auth/tokens/tokens.ts';
import { PRIVILEGES, ROLE_PRIVILEGES } from '../../apps/core/groups/roles.ts';
import { newId } from '../../apps/core/ids.ts';

// The authorization token's format (apps/core/auth/tokens/tokens.ts): a short HS256 JWT, at most
// 255 characters however it is carried, checked by what it claims and nothing else.
describe('authorization tokens', () => {
  const signingKey = new TextEncoder().encode('a signing key of at least thirty-two characters');
  const now = new Date('2026-06-01T12:00:00.123Z');
  const subject = { userId: newId('usr'), groupId: newId('grp'), privileges: PRIVILEGES };

  it('stay at most 255 characters, in a header and as the console cookie (the token itself)', async () => {
    for (const privileges of [PRIVILEGES, ROLE_PRIVILEGES.viewer]) {
      const { token } = await issueAuthToken(signingKey, { ...subject, privileges }, 120, now);
      expect(token.length).toBeLessThanOrEqual(255);
      // Express URL-encodes a cookie's value: a JWT's characters need no encoding.
      expect(encodeURIComponent(token)).toBe(token);
    }
  });

  it('verify to what was issued: member, group, privileges, times and a stable id', async () => {
    const { token, claims } = await issueAuthToken(
      signingKey,
      { ...subject, privileges: ROLE_PRIVILEGES.viewer },
      20,
      now,
    );
    expect(claims).toEqual({
      tokenId: tokenIdOf(token),
      userId: subject.userId,
      groupId: subject.groupId,
      privileges: ['exports:read', 'deliveries:read'],
      issuedAt: now,
      expiresAt: new Date(now.getTime() + 20 * 60_000),
    });
    expect(await verifyAuthToken(signingKey, token, new Date(now.getTime() + 60_000))).toEqual(claims);
    const other = await issueAuthToken(signingKey, subject, 20, now);
    expect(other.claims.tokenId).not.toBe(claims.tokenId);
  });

  it('expire after their lifetime (with 5 s of tolerance), not before', async () => {
    const { token } = await issueAuthToken(signingKey, subject, 1, now);
    const at = (ms: number) => new Date(now.getTime() + ms);
    await expect(verifyAuthToken(signingKey, token, at(64_000))).resolves.toMatchObject({ userId: subject.userId });
    await expect(verifyAuthToken(signingKey, token, at(65_000))).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('refuse what the connector could not have issued, even signed with its key', async () => {
    const forge = (claims: Record<string, unknown>, key = authTokenKey(signingKey)) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);
    const base = { s: subject.userId, g: subject.groupId, r: 1, i: now.getTime(), m: 20 };
    const refused = [
      await forge({ ...base, i: now.getTime() + 10 * 60_000 }), // issued ten minutes from now
      await forge({ ...base, m: 121 }), // a 121-minute lifetime
      await forge({ ...base, m: 0 }),
      await forge({ ...base, r: 'all' }),
      await forge({ s: subject.userId, r: 1, i: now.getTime(), m: 20 }), // no group
      // Signed with TOKEN_SIGNING_KEY itself rather than the token key derived from it.
      await forge(base, signingKey),
    ];
    for (const token of refused) {
      await expect(verifyAuthToken(signingKey, token, now)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    }
    await expect(verifyAuthToken(signingKey, await forge(base), now)).resolves.toMatchObject({
      privileges: [PRIVILEGES[0]],
    });
  });
});
