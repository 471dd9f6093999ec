import { setTimeout as sleep } from 'node:timers/promises';

/** One batch of one kind of row; answers whether that kind may have more. */
export type Batch = () => Promise<boolean>;

export interface Pace {
  /** Share of the time spent working: after a batch that took t, a rest of t × (1 / share − 1). */
  workShare: number;
  /** performance.now() after which no batch starts. */
  deadline: number;
}

/**
 * Runs the batches in turns, each kind again while it has more, resting after each, until none has
 * more (true) or the deadline passed (false).
 */
export async function inTurns(batches: Batch[], pace: Pace): Promise<boolean> {
  let turn = batches;
  while (turn.length) {
    const again: Batch[] = [];
    for (const batch of turn) {
      if (performance.now() > pace.deadline) return false;
      const started = performance.now();
      if (await batch()) again.push(batch);
      const took = performance.now() - started;
      if (pace.workShare < 1) await sleep(took * (1 / pace.workShare - 1));
    }
    turn = again;
  }
  return true;
}
