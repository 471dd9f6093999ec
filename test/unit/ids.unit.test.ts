import { describe, expect, it } from 'vitest';
import { newId } from '../../apps/core/ids.ts';

describe('newId', () => {
  it('gives 128 random bits in base64url after the prefix, never the same twice across pool refills', () => {
    // 1,000 ids span several refills of the 256-id pool.
    const ids = Array.from({ length: 1_000 }, () => newId('dlv'));
    for (const id of ids) expect(id).toMatch(/^dlv_[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every one of the 16 bytes varies: no part of an id is left as the pool's initial zeros.
    const bytes = ids.map((id) => Buffer.from(id.slice(4), 'base64url'));
    for (let i = 0; i < 16; i++) expect(new Set(bytes.map((b) => b[i])).size).toBeGreaterThan(100);
  });
});
