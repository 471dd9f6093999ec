import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../apps/core/cache.ts';

describe('TtlCache', () => {
  const clockAt = (start: number) => {
    let now = start;
    return { clock: { now: () => new Date(now) }, advance: (ms: number) => (now += ms) };
  };

  it('serves an entry until its TTL has passed on the injected clock', () => {
    const { clock, advance } = clockAt(1_000_000);
    const cache = new TtlCache<string>(clock, { ttlMs: 1_000, maxEntries: 10 });
    cache.set('a', 'first');
    advance(999);
    expect(cache.get('a')).toBe('first');
    advance(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.getOrLoad('a', () => 'second')).toBe('second');
  });

  it('drops the oldest entry past its size, and a promise that rejects', async () => {
    const { clock } = clockAt(0);
    const cache = new TtlCache<Promise<number> | number>(clock, { ttlMs: 60_000, maxEntries: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 2, 3]);
    const failing = Promise.reject(new Error('no'));
    cache.set('d', failing);
    await failing.catch(() => undefined);
    expect(cache.get('d')).toBeUndefined();
  });
});
