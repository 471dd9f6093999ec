import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCommit } from '../../apps/core/deliveries/group-commit.ts';

describe('group commit', () => {
  it('carries everything submitted together in one flush, and what arrives during a flush in the next', async () => {
    const flushes: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new GroupCommit<number, number>(async (items) => {
      flushes.push(items);
      if (flushes.length === 1) await gate;
      return items.map((i) => i * 10);
    });
    const first = [1, 2, 3].map((i) => batcher.submit(i));
    await new Promise((resolve) => setImmediate(resolve));
    const second = [4, 5].map((i) => batcher.submit(i));
    release();
    expect(await Promise.all([...first, ...second])).toEqual([10, 20, 30, 40, 50]);
    expect(flushes).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('splits at the batch limit', async () => {
    const sizes: number[] = [];
    const batcher = new GroupCommit<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((i) => batcher.submit(i)));
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('fails only the item that cannot be written when a batch fails', async () => {
    const batcher = new GroupCommit<number, number>(async (items) => {
      if (items.includes(13)) throw new Error('unlucky');
      return items;
    });
    const results = await Promise.allSettled([12, 13, 14].map((i) => batcher.submit(i)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});

describe('group commit under load', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets items arriving within the linger join the flush after a busy one, and not after a quiet moment', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const flushes: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new GroupCommit<number, number>(
      async (items) => {
        flushes.push(items);
        if (flushes.length === 1) await gate;
        return items;
      },
      200,
      2,
    );
    const first = [1, 2, 3].map((i) => batcher.submit(i));
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = batcher.submit(4);
    release();
    await Promise.all(first);
    // 4 arrived while the first flush ran: the next one lingers, and 5 and 6 arrive meanwhile.
    const late = [5, 6].map((i) => batcher.submit(i));
    expect(flushes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2);
    expect(await Promise.all([waiting, ...late])).toEqual([4, 5, 6]);
    // Right after a flush ended, items are coming back to back: 7 waits for the linger too.
    const next = batcher.submit(7);
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushes).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2);
    expect(await next).toBe(7);
    // After a quiet moment, 8 is flushed at once.
    vi.advanceTimersByTime(20);
    expect(await batcher.submit(8)).toBe(8);
    expect(flushes).toEqual([[1, 2, 3], [4, 5, 6], [7], [8]]);
  });

  it('flushes items that come one at a time, far apart, at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const batcher = new GroupCommit<number, number>(async (items) => items, 200, 2);
    // Only the clock moves between them, never a timer: each must be written without one.
    expect(await batcher.submit(1)).toBe(1);
    vi.advanceTimersByTime(20);
    expect(await batcher.submit(2)).toBe(2);
  });
});
