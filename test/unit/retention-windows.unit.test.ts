import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../apps/core/config.ts';
import { retentionCutoffs } from '../../apps/core/retention/windows.ts';

describe('retention windows', () => {
  const now = new Date('2026-06-01T00:00:00.000Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const day = 86_400_000;

  it('takes the contract defaults: 30 days delivered, 90 failed, 365 audit', () => {
    const cutoffs = retentionCutoffs(loadConfig({}), now);
    expect(cutoffs).toEqual({
      delivered: ago(30 * day),
      failed: ago(90 * day),
      engagements: ago(30 * day),
      audit: ago(365 * day),
      authorizationRequests: ago(90 * day),
      notifications: ago(30 * day),
    });
  });

  it('keeps an engagement without deliveries for the shorter of the two delivery windows', () => {
    const config = loadConfig({ RETENTION_DELIVERED: '12h', RETENTION_FAILED: '90s' });
    expect(retentionCutoffs(config, now).engagements).toEqual(ago(90_000));
    expect(retentionCutoffs(config, now).delivered).toEqual(ago(12 * 3_600_000));
  });
});
