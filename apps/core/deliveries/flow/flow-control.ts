import type { Redis } from 'ioredis';
import { newId } from '../../ids.ts';
import { GroupCommit } from '../group-commit.ts';
import { FLOW, type FlowScript, RENEW } from './scripts.ts';

/** How an export's deliveries are let through: null means no such limit. */
export interface FlowLimits {
  /** Deliveries being sent at once across every process; null for ordered exports (the database orders them). */
  maxInFlight: number | null;
  ratePerMinute: number | null;
}

/** A wake-up for one delivery at one attempt count; `rerun` when its job runs again after its worker died. */
export interface FlowWake {
  deliveryId: string;
  attemptCount: number;
  rerun: boolean;
}

/** A wake-up let through: it holds `lease` (its place under maxInFlight and its rate entry) until released. */
export interface Grant {
  exportId: string;
  wake: FlowWake;
  /** Null when the export has no limit to hold a place under. */
  lease: string | null;
  limits: FlowLimits;
}

export interface FlowAnswer {
  grants: Grant[];
  /** When wake-ups of the export wait for its rate limit: ms until it has room again (else 0). */
  retryMs: number;
}

export interface FlowOptions {
  /** How long a lease lives without being renewed: a dead process's places come back after this. */
  leaseMs?: number;
  /** The rate limit's window (a minute; tests shorten it). */
  rateWindowMs?: number;
}

/** A SIGKILLed worker's places come back within this; a live one renews its leases every third of it. */
export const DEFAULT_LEASE_MS = 30_000;
const MINUTE_MS = 60_000;
/** How long a call under load waits for company (group-commit.ts); a lease given back is handed on this much later at most. */
const FLOW_LINGER_MS = 1;

interface FlowOp {
  exportId: string;
  limits: FlowLimits;
  arrive: FlowWake[];
  release: string[];
  refund: string[];
  pump: boolean;
}

/** The waiting set's member for a wake-up (delivery ids hold no `.`: ids.ts, store/delivery-id.ts). */
export function wakeMember(wake: FlowWake): string {
  return `${wake.deliveryId}.${wake.attemptCount}${wake.rerun ? '.r' : ''}`;
}

function parseMember(member: string): FlowWake {
  const [deliveryId, attemptCount, rerun] = member.split('.');
  return { deliveryId: deliveryId as string, attemptCount: Number(attemptCount), rerun: rerun === 'r' };
}

/**
 * Flow control across every worker process (docs/api/deliveries.md, "Flow control and ordering"):
 * an export's deliveries take a lease before they are claimed and give it back once sent, so at most
 * `maxInFlight` are being sent at once, and at most `ratePerMinute` start in any minute. A wake-up
 * that finds no room waits in Redis, holding no worker slot, and is handed the next lease given
 * back (or, for the rate limit, woken when the window has room). Calls of this process arriving
 * together share one script run (as the database's group commits do, group-commit.ts).
 */
export class FlowControl {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #windowMs: number;
  readonly #batch: GroupCommit<FlowOp, FlowAnswer>;
  /** Leases this process holds, by lease id: renewed while held. */
  readonly #held = new Map<string, string>();
  readonly #renewal: NodeJS.Timeout;

  constructor(redis: Redis, prefix: string, options: FlowOptions = {}) {
    this.#redis = redis;
    this.#prefix = `${prefix}:flow`;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#windowMs = options.rateWindowMs ?? MINUTE_MS;
    // A round trip to Redis costs the process more CPU than the script costs Redis: under load
    // (calls streaming in) a call waits up to FLOW_LINGER_MS for others to share it, as the database's
    // group commits do; after a quiet moment it runs at once (group-commit.ts).
    this.#batch = new GroupCommit((ops) => this.#run(ops), 500, FLOW_LINGER_MS);
    this.#renewal = setInterval(() => void this.#renew().catch(() => undefined), Math.max(100, this.#leaseMs / 3));
    this.#renewal.unref();
  }

  /** Wake-ups arriving for an export: answers those let through now (the oldest waiting first). */
  admit(exportId: string, limits: FlowLimits, wakes: FlowWake[], pump = true): Promise<FlowAnswer> {
    return this.#batch.submit({ exportId, limits, arrive: wakes, release: [], refund: [], pump });
  }

  /**
   * Gives a lease back (`refund`: nothing was sent, so its rate entry goes too) and answers the
   * wake-ups handed a lease in its place, which the caller now runs (`pump` false: none, this
   * process is stopping).
   */
  release(exportId: string, limits: FlowLimits, lease: string, refund: boolean, pump = true): Promise<FlowAnswer> {
    this.#held.delete(lease);
    return this.#batch.submit({ exportId, limits, arrive: [], release: [lease], refund: refund ? [lease] : [], pump });
  }

  /** Lets through what the export has room for now (its rate window moved on). */
  pump(exportId: string, limits: FlowLimits): Promise<FlowAnswer> {
    return this.#batch.submit({ exportId, limits, arrive: [], release: [], refund: [], pump: true });
  }

  /**
   * The sweeper's nudge: pops, without granting, the waiting wake-ups an export has room for
   * although nobody is handing it on (the holders of its leases died; every process that could
   * have pumped it stopped). The caller queues them as jobs; they take their lease as any other.
   */
  async kick(exportId: string, limits: FlowLimits): Promise<FlowWake[]> {
    const [answer] = await this.#eval(FLOW, this.#flowCall([{ exportId, limits, grant: false, pump: true }]));
    const wakes: FlowWake[] = [];
    for (let i = 1; i < (answer?.length ?? 0); i += 2) wakes.push(parseMember(String(answer?.[i])));
    return wakes;
  }

  /** Exports with wake-ups waiting in Redis (the sweeper leaves their pending deliveries alone). */
  busyExports(): Promise<string[]> {
    return this.#redis.smembers(`${this.#prefix}:busy`);
  }

  /** Forgets what flow control keeps of an export that no longer exists. */
  async forget(exportId: string): Promise<void> {
    const keys = this.#keys(exportId);
    await this.#redis
      .multi()
      .del(...keys)
      .srem(`${this.#prefix}:busy`, exportId)
      .exec();
  }

  /** Stops renewing and runs the calls already submitted (the composition root's close). */
  async close(): Promise<void> {
    clearInterval(this.#renewal);
    await this.#batch.close();
  }

  #keys(exportId: string): [leases: string, rate: string, waiting: string] {
    const base = `${this.#prefix}:${exportId}`;
    return [`${base}:leases`, `${base}:rate`, `${base}:waiting`];
  }

  #flowCall(exports: { exportId: string; limits: FlowLimits; grant: boolean; pump: boolean; ops?: FlowOp[] }[]): {
    keys: string[];
    args: (string | number)[];
  } {
    const keys = [`${this.#prefix}:busy`];
    const args: (string | number)[] = [this.#leaseMs, this.#windowMs, newId('f')];
    for (const e of exports) {
      keys.push(...this.#keys(e.exportId));
      const ops = e.ops ?? [];
      const release = ops.flatMap((o) => o.release);
      const refund = ops.flatMap((o) => o.refund);
      const arrive = ops.flatMap((o) => o.arrive.map(wakeMember));
      args.push(
        e.exportId,
        e.limits.maxInFlight ?? 0,
        e.limits.ratePerMinute ?? 0,
        e.grant ? 1 : 0,
        e.pump ? 1 : 0,
        release.length,
        refund.length,
        arrive.length,
        ...release,
        ...refund,
        ...arrive,
      );
    }
    return { keys, args };
  }

  /** One script run for every call that arrived together; each call gets the grants that are its own. */
  async #run(ops: FlowOp[]): Promise<FlowAnswer[]> {
    const byExport = new Map<string, FlowOp[]>();
    for (const op of ops) {
      const mine = byExport.get(op.exportId);
      if (mine) mine.push(op);
      else byExport.set(op.exportId, [op]);
    }
    const exports = [...byExport].map(([exportId, mine]) => ({
      exportId,
      // The latest view of the export's settings wins.
      limits: (mine[mine.length - 1] as FlowOp).limits,
      grant: true,
      pump: mine.some((o) => o.pump),
      ops: mine,
    }));
    const answers = await this.#eval(FLOW, this.#flowCall(exports));
    const results = new Map<FlowOp, FlowAnswer>();
    for (const [index, e] of exports.entries()) {
      const answer = answers[index] ?? [0];
      const retryMs = Number(answer[0] ?? 0);
      for (const op of e.ops) results.set(op, { grants: [], retryMs });
      // A wake-up let through goes to the call it arrived with; the others (older ones waiting,
      // handed a lease given back) to the export's first call.
      const owner = new Map<string, FlowOp>();
      for (const op of e.ops) for (const wake of op.arrive) owner.set(wakeMember(wake), op);
      for (let i = 1; i < answer.length; i += 2) {
        const member = String(answer[i]);
        const lease = String(answer[i + 1]);
        if (e.limits.maxInFlight) this.#held.set(lease, e.exportId);
        const op = owner.get(member) ?? (e.ops[0] as FlowOp);
        results.get(op)?.grants.push({ exportId: e.exportId, wake: parseMember(member), lease, limits: e.limits });
      }
    }
    return ops.map((op) => results.get(op) as FlowAnswer);
  }

  /** Extends every lease this process holds, in one call. */
  async #renew(): Promise<void> {
    if (!this.#held.size) return;
    const byExport = new Map<string, string[]>();
    for (const [lease, exportId] of this.#held) {
      const leases = byExport.get(exportId);
      if (leases) leases.push(lease);
      else byExport.set(exportId, [lease]);
    }
    const keys: string[] = [];
    const args: (string | number)[] = [this.#leaseMs];
    for (const [exportId, leases] of byExport) {
      keys.push(this.#keys(exportId)[0]);
      args.push(leases.length, ...leases);
    }
    await this.#eval(RENEW, { keys, args });
  }

  async #eval(s: FlowScript, call: { keys: string[]; args: (string | number)[] }): Promise<unknown[][]> {
    try {
      return (await this.#redis.evalsha(s.sha, call.keys.length, ...call.keys, ...call.args)) as unknown[][];
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await this.#redis.eval(s.lua, call.keys.length, ...call.keys, ...call.args)) as unknown[][];
    }
  }
}
